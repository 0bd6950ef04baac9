"""Regenerate the bundled sample questionnaires for `vetted`.

Writes, next to this script:
  * northwind-vendor-assessment.xlsx  - a buyer's own multi-sheet questionnaire
  * vendor-security-review.csv        - a flat export from a procurement portal

All content is fictional and was written for this project. The output is
deterministic: running the script twice gives byte-identical files.

Usage:  pip install openpyxl && python3 samples/make_samples.py
"""

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2026, 1, 15, 9, 0, 0)

# --------------------------------------------------------------------------
# Content: Northwind Health "Security" sheet.  (ref, question, guidance)
# Each section is (heading, [rows]).
# --------------------------------------------------------------------------
SECURITY = [
    ("1. Company & Governance", [
        ("SEC-1.1", "Provide your organisation's full legal name, registered address and country of incorporation.",
         "Use the Comments column for free-text answers."),
        ("SEC-1.2", "Name the primary security contact for this engagement (name, job title, email address).", ""),
        ("SEC-1.3", "Does your organisation have a documented information security policy that has been approved by senior management and is reviewed at least once a year?",
         "Attach the table of contents if the full policy is confidential."),
        ("SEC-1.4", "Is a named individual (for example a CISO or Head of Security) accountable for your information security programme?", ""),
        ("SEC-1.5", "Do you hold a current SOC 2 Type II report or ISO/IEC 27001 certificate covering the service being offered to Northwind?",
         "Please upload the latest report or certificate with your submission."),
        ("SEC-1.6", "Do you carry cyber liability insurance? If so, state the coverage limit.", ""),
        ("SEC-1.7", "Is your organisation currently an approved Tier 2 (or higher) supplier under the Northwind Health Supplier Excellence Programme (NH-SEP)?", ""),
    ]),
    ("2. Access Control", [
        ("SEC-2.1", "Is access to production systems granted on a least-privilege basis and approved before it is provisioned?", ""),
        ("SEC-2.2", "Is multi-factor authentication enforced for all workforce access to production infrastructure and administrative consoles?",
         "Hardware keys or authenticator apps preferred over SMS."),
        ("SEC-2.3", "Can our users sign in to the application through single sign-on using SAML 2.0 or OpenID Connect?", ""),
        ("SEC-2.4", "Can customer administrators create roles and limit what individual users are permitted to see and do in the application?", ""),
        ("SEC-2.5", "How often are user and privileged access rights reviewed, and how quickly are accounts disabled when staff leave?",
         "State the review frequency and the deprovisioning target in hours."),
        ("SEC-2.6", "Describe the password rules applied to accounts that do not sign in through SSO.", ""),
    ]),
    ("3. Data Protection & Encryption", [
        ("SEC-3.1", "Is Northwind data encrypted at rest in all locations, including databases, object storage and backups?", ""),
        ("SEC-3.2", "Which TLS versions does the service accept for data in transit over public networks? Have TLS 1.0 and 1.1 been disabled?", ""),
        ("SEC-3.3", "Explain how your cryptographic keys are generated, stored, rotated and protected from unauthorised access.",
         "Mention any managed key service or HSM in use."),
        ("SEC-3.4", "Can customers bring or manage their own encryption keys for their tenant?", ""),
        ("SEC-3.5", "How is Northwind's data kept logically separated from the data of your other customers?", ""),
        ("SEC-3.6", "Can the encryption keys for our tenant be held exclusively in a Thales Luna HSM physically located in a Northwind Health data centre?", ""),
    ]),
    ("4. Logging, Monitoring & Vulnerability Management", [
        ("SEC-4.1", "Are security-relevant events such as sign-ins, permission changes and administrator actions logged and retained for 12 months or more?", ""),
        ("SEC-4.2", "Are your logs sent to a central SIEM and monitored for alerts around the clock?", ""),
        ("SEC-4.3", "Can we export or stream the application's audit log into our own SIEM?", "e.g. via API, syslog or webhook."),
        ("SEC-4.4", "How often do you scan your infrastructure and application for vulnerabilities?", ""),
        ("SEC-4.5", "What are your target remediation times for critical, high, medium and low severity vulnerabilities?",
         "Provide timelines in calendar days."),
        ("SEC-4.6", "Is the application penetration tested by an independent third party at least annually, and will you share a summary of the findings?", ""),
        ("SEC-4.7", "Do you run a vulnerability disclosure programme or a bug bounty?", ""),
    ]),
    ("5. Secure Development", [
        ("SEC-5.1", "Do you follow a documented secure software development lifecycle?", ""),
        ("SEC-5.2", "Is every code change reviewed by a second engineer before it is merged and released to production?", ""),
        ("SEC-5.3", "Are static code analysis and dependency (software composition) scanning built into your CI pipeline?", ""),
        ("SEC-5.4", "Do developers receive secure coding training at least once a year?", ""),
        ("SEC-5.5", "Can the application be installed on-premises on an IBM Z mainframe running z/OS inside Northwind's network?", ""),
    ]),
    ("6. Resilience & Incident Response", [
        ("SEC-6.1", "Are backups of customer data taken at least daily and kept in a location geographically separate from the primary site?", ""),
        ("SEC-6.2", "Do you test restoring from backup on a regular schedule? Give the date of the most recent successful test.", ""),
        ("SEC-6.3", "Do you maintain business continuity and disaster recovery plans, and are they exercised at least annually?", ""),
        ("SEC-6.4", "What recovery time objective (RTO) and recovery point objective (RPO) do you commit to for this service?",
         "Values should be stated in hours."),
        ("SEC-6.5", "Is there a documented incident response plan with defined severity levels, roles and escalation paths?", ""),
        ("SEC-6.6", "How soon after confirming a security incident or personal data breach affecting our data will you notify Northwind Health?",
         "Northwind requires notification within 72 hours at the latest."),
        ("SEC-6.7", "Does your DR plan include a rehearsed fallback for Northwind hospital wards to switch to paper rosters, and will your staff train our ward managers on it?", ""),
    ]),
    ("7. Third Parties, Personnel & Physical Security", [
        ("SEC-7.1", "Do you assess the security of subprocessors and key suppliers before engaging them and periodically afterwards?", ""),
        ("SEC-7.2", "List the subprocessors that would store or process Northwind data.", "A link to a public subprocessor page is acceptable."),
        ("SEC-7.3", "Where permitted by law, are background checks completed on employees and contractors before they receive access to customer data?", ""),
        ("SEC-7.4", "Do all personnel complete security and privacy awareness training when they join and every year thereafter?", ""),
        ("SEC-7.5", "Where is the service hosted, and how is physical security of the hosting facilities assured?",
         "If you use a public cloud provider, reference their attestations."),
        ("SEC-7.6", "Are personnel working in your data centres required to pass an annual polygraph examination?", ""),
    ]),
    ("8. Accessibility", [
        ("SEC-8.1", "Does the end-user web interface conform to WCAG 2.1 level AA?", ""),
        ("SEC-8.2", "Can you supply a current VPAT or Accessibility Conformance Report for the product?", ""),
    ]),
]

# Three rows a Northwind colleague already filled in: ref -> (response, comment)
PREANSWERED = {
    "SEC-2.2": ("Yes", "Confirmed on vendor call 12 Jan: enforced via Okta for all staff."),
    "SEC-3.1": ("Yes", "AES-256 with AWS KMS per their trust portal."),
    "SEC-6.1": ("Yes", "Daily snapshots replicated to a second AWS region."),
}

# --------------------------------------------------------------------------
# Content: "Privacy & AI" sheet. A None entry is the section heading row.
# --------------------------------------------------------------------------
PRIVACY = [
    ("PRV-01", "Will you sign Northwind Health's Data Processing Agreement, including Standard Contractual Clauses where they apply?"),
    ("PRV-02", "State the countries or regions where Northwind data will be stored and processed."),
    ("PRV-03", "Can Northwind choose the hosting region for its tenant (for example, EU only)?"),
    ("PRV-04", "Is personal data transferred outside the EEA or UK? If so, which transfer mechanism do you rely on?"),
    ("PRV-05", "Have you appointed a Data Protection Officer? Provide their contact details."),
    ("PRV-06", "Do you keep a record of processing activities as required by Article 30 of the GDPR?"),
    ("PRV-07", "How will you help Northwind respond to data subject requests for access, correction or erasure?"),
    ("PRV-08", "When the contract ends, will all Northwind data be returned and then deleted from live systems and backups? Within what timeframe?"),
    ("PRV-09", "Can our administrators permanently delete an individual employee's record from within the product?"),
    ("PRV-10", "Will you give advance notice before adding or replacing a subprocessor, with the right for Northwind to object?"),
    ("PRV-11", "Is the personal data you collect limited to what is needed to deliver the service, with defined retention periods?"),
    ("PRV-12", "Are you registered with the Liechtenstein Data Protection Authority as a processor of special-category health data?"),
    None,
    ("PRV-13", "Does the service include any AI or machine-learning features? Briefly describe them."),
    ("PRV-14", "Is Northwind data, including prompts and generated output, used to train or fine-tune any AI model, whether yours or a third party's?"),
    ("PRV-15", "Do you send Northwind data to third-party AI providers such as hosted LLM APIs? Name them and state where processing takes place."),
    ("PRV-16", "Can a tenant administrator switch off AI features for our organisation?"),
    ("PRV-17", "Can a human review and override automated scheduling decisions that affect our employees?"),
    ("PRV-18", "Do you have an internal AI governance policy covering acceptable use, bias testing and model risk?"),
    ("PRV-19", "Is your scheduling model registered with the MHRA as a Class IIa medical device?"),
    ("PRV-20", "Are AI-generated outputs clearly labelled as such to end users?"),
]
PRIVACY_HEADING = "Artificial Intelligence & Automated Decision-Making"

# --------------------------------------------------------------------------
# Content: procurement-portal CSV export. (id, category, question)
# --------------------------------------------------------------------------
CSV_ROWS = [
    ("VSR-001", "General", "What is the name of the product or service under review, and what does it do?"),
    ("VSR-002", "General", "Provide the name, title and email of the person completing this review."),
    ("VSR-003", "General", "How many people does your company employ, and how many work in a dedicated security role?"),
    ("VSR-004", "Compliance", "Which security certifications or attestations do you hold (e.g. SOC 2, ISO 27001, HITRUST)?"),
    ("VSR-005", "Compliance", "When was your latest external audit completed, and did it report any exceptions?"),
    ("VSR-006", "Compliance", "Are your security policies available to all employees and reviewed every year?"),
    ("VSR-007", "Access Management", "Is MFA required for every user who can reach systems that hold our data?"),
    ("VSR-008", "Access Management", "Does the product support SSO and SCIM provisioning with Microsoft Entra ID or Okta?"),
    ("VSR-009", "Access Management", "How many hours after an employee leaves is all of their access revoked?"),
    ("VSR-010", "Data Security", "Describe how our data is protected:\n1. at rest (algorithm, key length)\n2. in transit (protocols, minimum TLS version)\n3. in backups"),
    ("VSR-011", "Data Security", "Who can access your encryption keys, and how often are they rotated?"),
    ("VSR-012", "Data Security", "Do you use data loss prevention (DLP) controls on employee laptops and email?"),
    ("VSR-013", "Network Security", "Do firewalls or security groups deny all inbound traffic by default?"),
    ("VSR-014", "Network Security", "Is the service protected by a web application firewall and DDoS mitigation?"),
    ("VSR-015", "Application Security", "How often is the product penetration tested by an outside firm? Can you share a summary of the latest report?"),
    ("VSR-016", "Application Security", "Is the application tested against the OWASP Top 10 before major releases?"),
    ("VSR-017", "Application Security", "How do you find and patch vulnerable open-source libraries?"),
    ("VSR-018", "Application Security", "Is the web client certified to run on Windows XP Embedded kiosks, as used in our warehouses?"),
    ("VSR-019", "Operations", "Is endpoint detection and response (EDR) or anti-malware installed on all servers and workstations?"),
    ("VSR-020", "Operations", "Are security logs collected centrally? For how long are they kept?"),
    ("VSR-021", "Operations", "Do production changes go through a formal change process with approval and a rollback plan?"),
    ("VSR-022", "Resilience", "What are your RTO and RPO, and when did you last test your disaster recovery plan?"),
    ("VSR-023", "Resilience", "Describe your backup strategy, including:\n- how often backups run,\n- how long they are kept, and\n- whether they are encrypted and stored off-site"),
    ("VSR-024", "Resilience", "Is the service deployed across more than one availability zone?"),
    ("VSR-025", "Resilience", "Do you maintain a dedicated satellite uplink so the service stays reachable if terrestrial internet in our region fails?"),
    ("VSR-026", "Incident Management", "Do you have a 24/7 capability to detect and respond to security incidents?"),
    ("VSR-027", "Incident Management", "How quickly will you tell us about a breach involving our data?"),
    ("VSR-028", "Incident Management", "Have you had a security breach that required notification in the last 36 months? If yes, please describe it."),
    ("VSR-029", "Vendor Management", "Do you carry out security due diligence on vendors and subprocessors that handle customer data?"),
    ("VSR-030", "Vendor Management", "Give the name of your source-code escrow agent in Zug, Switzerland and the date of the last deposit."),
    ("VSR-031", "Human Resources", "Are new employees subject to criminal background checks before they start?"),
    ("VSR-032", "Human Resources", "Is security awareness training, including phishing simulations, mandatory for all staff?"),
    ("VSR-033", "Privacy", "Do you comply with GDPR and CCPA where applicable? In which countries is customer data stored?"),
    ("VSR-034", "Privacy", "How is customer data securely deleted at the end of the contract, and do you issue a certificate of destruction?"),
    ("VSR-035", "AI", "Is customer data used to train AI or ML models? If yes, explain:\n- which data is used,\n- whether it is anonymised, and\n- how customers can opt out"),
    ("VSR-036", "Accessibility", "Does the product meet WCAG 2.1 AA, and can you provide a VPAT?"),
]

# --------------------------------------------------------------------------
# Styles
# --------------------------------------------------------------------------
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=16, color="1F3864")
SUBTITLE = Font(italic=True, size=11, color="595959")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F3864")
SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def header_row(ws, row, labels):
    for col, label in enumerate(labels, start=1):
        c = ws.cell(row=row, column=col, value=label)
        c.font, c.fill, c.border = HEADER_FONT, HEADER_FILL, BOX
        c.alignment = Alignment(wrap_text=True, vertical="center")


def section_row(ws, row, text, last_col):
    ws.cell(row=row, column=1, value=text).font = Font(bold=True, size=12)
    for col in range(1, last_col + 1):
        ws.cell(row=row, column=col).fill = SECTION_FILL
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)


def widths(ws, mapping):
    for col, width in mapping.items():
        ws.column_dimensions[col].width = width


def build_instructions(wb):
    ws = wb.active
    ws.title = "Instructions"
    ws["A1"] = "Northwind Health - Third-Party Vendor Security & Privacy Assessment"
    ws["A1"].font = TITLE
    paragraphs = [
        "Northwind Health requires every supplier that will store, process or access Northwind data to complete this assessment before a contract can be signed.",
        "Answer each item on the 'Security' and 'Privacy & AI' tabs. Select Yes, No or N/A from the drop-down in the response column and use the comments or notes column to add detail, evidence references or compensating controls.",
        "Where an item does not apply to your service, choose N/A and explain why. Unanswered items will be treated as 'No'.",
        "Do not change the structure of the workbook: do not insert, delete or reorder rows or columns, and do not rename tabs.",
        "Return the completed workbook, together with any supporting evidence, to vendor-risk@northwind-health.example within 15 business days.",
    ]
    widths(ws, {"A": 14, "B": 16, "C": 30, "D": 30, "E": 30})
    row = 3
    for text in paragraphs:
        ws.cell(row=row, column=1, value=text).alignment = WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
        ws.row_dimensions[row].height = 45
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="Document history").font = BOLD
    header_row(ws, row + 1, ["Version", "Date"])
    for i, (version, date) in enumerate([("2.0", dt.date(2024, 3, 4)),
                                         ("2.1", dt.date(2025, 2, 17)),
                                         ("2.2", dt.date(2025, 11, 3))]):
        ws.cell(row=row + 2 + i, column=1, value=version).border = BOX
        c = ws.cell(row=row + 2 + i, column=2, value=date)
        c.number_format, c.border = "yyyy-mm-dd", BOX


def build_security(wb):
    ws = wb.create_sheet("Security")
    widths(ws, {"A": 10, "B": 70, "C": 14, "D": 40, "E": 38})
    ws["A1"] = "Vendor Security Assessment"
    ws["A1"].font = TITLE
    ws["A2"] = "Northwind Health | Vendor Risk Management | Form VRM-07"
    ws["A2"].font = SUBTITLE
    notes = [
        "Please answer every question. Select a response from the drop-down list in column C.",
        "Use the Comments column (D) to give supporting detail. Column E contains guidance from Northwind and should not be edited.",
        "Questions marked in the Guidance column as requiring evidence must be supported by an attachment.",
    ]
    for i, text in enumerate(notes):
        r = 4 + i
        ws.cell(row=r, column=1, value=text).alignment = Alignment(wrap_text=True)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
    header_row(ws, 8, ["Ref", "Question", "Response", "Comments", "Guidance"])
    ws.freeze_panes = "A9"

    dv = DataValidation(type="list", formula1='"Yes,No,N/A"', allow_blank=True,
                        errorStyle="warning", showErrorMessage=True,
                        error="Please choose Yes, No or N/A.", errorTitle="Response")
    ws.add_data_validation(dv)

    rows = {}
    r = 9
    for heading, questions in SECURITY:
        section_row(ws, r, heading, 5)
        r += 1
        dv.add(f"C{r}:C{r + len(questions) - 1}")
        for ref, question, guidance in questions:
            ws.cell(row=r, column=1, value=ref)
            ws.cell(row=r, column=2, value=question)
            ws.cell(row=r, column=5, value=guidance or None).font = Font(italic=True, color="595959")
            if ref in PREANSWERED:
                ws.cell(row=r, column=3, value=PREANSWERED[ref][0])
                ws.cell(row=r, column=4, value=PREANSWERED[ref][1])
            for col in range(1, 6):
                c = ws.cell(row=r, column=col)
                c.alignment, c.border = WRAP, BOX
            ws.cell(row=r, column=3).fill = ANSWER_FILL
            rows[ref] = r
            r += 1
    ws.cell(row=r + 1, column=1, value="\u00a9 2026 Northwind Health. Confidential.").font = Font(size=8, color="808080")
    return rows


def build_privacy(wb):
    ws = wb.create_sheet("Privacy & AI")
    widths(ws, {"A": 9, "B": 75, "C": 16, "D": 45})
    ws["A1"] = "Privacy, Data Protection & Artificial Intelligence"
    ws["A1"].font = TITLE
    header_row(ws, 3, ["#", "Requirement", "Vendor Response", "Vendor Notes"])
    ws.freeze_panes = "A4"
    dv = DataValidation(type="list", formula1="Lists!$A$1:$A$3", allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"C4:C{3 + len(PRIVACY)}")  # also covers the heading row, as buyers' sheets often do
    r = 4
    for item in PRIVACY:
        if item is None:
            section_row(ws, r, PRIVACY_HEADING, 4)
        else:
            ws.cell(row=r, column=1, value=item[0])
            ws.cell(row=r, column=2, value=item[1])
            for col in range(1, 5):
                c = ws.cell(row=r, column=col)
                c.alignment, c.border = WRAP, BOX
        r += 1

    lists = wb.create_sheet("Lists")
    for i, value in enumerate(["Yes", "No", "N/A"], start=1):
        lists.cell(row=i, column=1, value=value)
    lists.sheet_state = "hidden"


def build_scoring(wb, rows):
    ws = wb.create_sheet("Scoring")
    widths(ws, {"A": 12, "B": 10, "C": 10})
    ws["A1"] = "Internal scoring - Northwind use only"
    ws["A1"].font = BOLD
    header_row(ws, 3, ["Ref", "Weight", "Score"])
    weights = [("SEC-1.5", 5), ("SEC-2.1", 3), ("SEC-2.2", 5), ("SEC-2.3", 2),
               ("SEC-3.1", 5), ("SEC-3.2", 4), ("SEC-4.2", 3), ("SEC-4.6", 4),
               ("SEC-5.1", 3), ("SEC-6.1", 4), ("SEC-6.3", 4), ("SEC-6.5", 4),
               ("SEC-7.3", 2)]
    r = 4
    for ref, weight in weights:
        ws.cell(row=r, column=1, value=ref)
        ws.cell(row=r, column=2, value=weight)
        ws.cell(row=r, column=3, value=f'=IF(Security!C{rows[ref]}="Yes",B{r},0)')
        r += 1
    ws.cell(row=r, column=1, value="Total").font = BOLD
    ws.cell(row=r, column=2, value=f"=SUM(B4:B{r - 1})").font = BOLD
    ws.cell(row=r, column=3, value=f"=SUM(C4:C{r - 1})").font = BOLD


def save_deterministic(wb, path):
    """Save, then pin zip timestamps and docProps dates so output is reproducible."""
    wb.properties.creator = "Northwind Health Vendor Risk"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED)


def build_xlsx(path):
    wb = Workbook()
    build_instructions(wb)
    rows = build_security(wb)
    build_privacy(wb)
    build_scoring(wb, rows)
    wb.active = 0
    save_deterministic(wb, path)


def build_csv(path):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["Question ID", "Category", "Question", "Answer", "Comments"])
        for qid, category, question in CSV_ROWS:
            writer.writerow([qid, category, question, "", ""])


if __name__ == "__main__":
    build_xlsx(HERE / "northwind-vendor-assessment.xlsx")
    build_csv(HERE / "vendor-security-review.csv")
    print("wrote", HERE / "northwind-vendor-assessment.xlsx")
    print("wrote", HERE / "vendor-security-review.csv")
