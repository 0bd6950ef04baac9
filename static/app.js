// vetted review UI: plain JS, no build step. Every request is same-origin;
// the server checks Origin and the SameSite=Strict cookies.
"use strict";

function $(sel, root) { return (root || document).querySelector(sel); }
function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

async function api(method, url, body) {
  const opts = { method: method, headers: {}, credentials: "same-origin" };
  if (body instanceof FormData) {
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(url, opts);
  let data = null;
  const type = res.headers.get("Content-Type") || "";
  if (type.includes("application/json")) data = await res.json();
  if (!res.ok) {
    throw new Error((data && data.error) || ("request failed: " + res.status));
  }
  return data;
}

function say(el, text, error) {
  if (!el) return;
  el.textContent = text;
  el.classList.toggle("error", !!error);
}

// ---- home ----

function initHome() {
  const form = $("#upload");
  if (!form) return;
  const status = $("#upload-status");
  const input = $("input[type=file]", form);
  async function send(file) {
    const data = new FormData();
    data.append("file", file, file.name);
    const customer = $("input[name=customer]", form).value;
    if (customer) data.append("customer", customer);
    say(status, "Uploading and drafting " + file.name + "…");
    form.classList.add("busy");
    try {
      const r = await api("POST", "/api/questionnaires", data);
      say(status, r.questions + " questions drafted.");
      window.location.href = "/questionnaires/" + encodeURIComponent(r.id);
    } catch (e) {
      say(status, e.message, true);
    } finally {
      form.classList.remove("busy");
    }
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (input.files.length) send(input.files[0]);
  });
  ["dragenter", "dragover"].forEach(function (t) {
    form.addEventListener(t, function (ev) { ev.preventDefault(); form.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    form.addEventListener(t, function (ev) { ev.preventDefault(); form.classList.remove("over"); });
  });
  form.addEventListener("drop", function (ev) {
    const files = ev.dataTransfer && ev.dataTransfer.files;
    if (files && files.length) send(files[0]);
  });

  $$("form.customer").forEach(function (f) {
    f.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const button = $("button", f);
      try {
        await api("PATCH", "/api/questionnaires/" + encodeURIComponent(f.dataset.id),
          { customer: $("input", f).value });
        button.textContent = "Saved";
        setTimeout(function () { button.textContent = "Save"; }, 1500);
      } catch (e) {
        say(status, e.message, true);
      }
    });
  });

  $$("button.delete").forEach(function (b) {
    b.addEventListener("click", async function () {
      if (!window.confirm("Delete " + b.dataset.name + " and all its decisions?")) return;
      try {
        await api("DELETE", "/api/questionnaires/" + encodeURIComponent(b.dataset.id));
        b.closest("tr").remove();
      } catch (e) {
        say(status, e.message, true);
      }
    });
  });

  const reload = $("#kb-reload");
  if (reload) {
    reload.addEventListener("click", async function () {
      const s = $("#kb-status");
      say(s, "Reloading…");
      try {
        const r = await api("POST", "/api/kb/reload");
        say(s, "Reloaded: " + r.entries + " entries.");
      } catch (e) {
        say(s, e.message, true);
      }
    });
  }

  const imports = $("#kb-import");
  if (imports) {
    imports.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const file = $("input[type=file]", imports).files[0];
      const s = $("#kb-import-status");
      if (!file) return;
      const data = new FormData();
      data.append("file", file, file.name);
      say(s, "Importing " + file.name + "…");
      try {
        const r = await api("POST", "/api/kb/import", data);
        let text = r.answered + " answered question(s): " + r.proposals.length + " proposed";
        if (r.inbox_file) text += " in " + r.inbox_file;
        text += ", " + r.known + " already in the knowledge base, " + r.already_proposed +
          " already proposed.";
        if (r.conflicting) text += " " + r.conflicting + " answered differently elsewhere in the file.";
        if (r.proposals.length) text += " Review them under Proposed entries.";
        say(s, text);
      } catch (e) {
        say(s, e.message, true);
      }
    });
  }
}

// ---- inbox ----

function initInbox() {
  const root = $("#inbox");
  if (!root) return;
  function remaining() {
    const left = $$("article.proposal", root).filter(function (a) { return !a.classList.contains("done"); });
    say($("#inbox-count"), left.length + " proposed.");
  }
  $$("article.proposal", root).forEach(function (a) {
    const id = a.dataset.id;
    const url = "/api/kb/proposals/" + encodeURIComponent(id);
    const s = $(".status", a);
    async function run(method, path, body, describe) {
      $$("button", a).forEach(function (b) { b.disabled = true; });
      say(s, "Saving…");
      try {
        const r = await api(method, path, body);
        a.classList.add("done");
        $$("button, select", a).forEach(function (b) { b.disabled = true; });
        say(s, describe(r));
        remaining();
      } catch (e) {
        $$("button", a).forEach(function (b) { b.disabled = false; });
        say(s, e.message, true);
      }
    }
    function described(r) {
      if (r.outcome === "added") return "Added as entry " + r.entry + " in " + r.file + ".";
      if (r.outcome === "updated") return "Updated " + r.entry + " (it answered \u201c" + r.answer_was + "\u201d).";
      if (r.outcome === "alternates") {
        let t = r.alternates_added + " wording(s) added to " + r.entry + ".";
        if (r.answer_kept) t += " Its answer stays \u201c" + r.answer_kept + "\u201d.";
        return t;
      }
      return "Rejected.";
    }
    const approve = $("button.approve", a);
    if (approve) approve.addEventListener("click", function () { run("POST", url + "/accept", {}, described); });
    const asNew = $("button.approve-new", a);
    if (asNew) asNew.addEventListener("click", function () { run("POST", url + "/accept", { as_new: true }, described); });
    const alt = $("button.alternate", a);
    if (alt) alt.addEventListener("click", function () {
      run("POST", url + "/accept", { as_alternate_of: $("select.target", a).value }, described);
    });
    $("button.reject", a).addEventListener("click", function () { run("DELETE", url, undefined, described); });
  });
}

// ---- review ----

function initReview() {
  const root = $("#review");
  if (!root) return;
  const id = root.dataset.id;
  const list = $("#questions");
  const status = $("#review-status");
  let current = null;

  function articles() { return $$("article.q", list); }
  function visible() { return articles().filter(function (a) { return !a.hidden; }); }

  function applyFilters() {
    const st = $("#f-status").value;
    const undecided = $("#f-undecided").checked;
    const flagged = $("#f-flagged").checked;
    const words = $("#f-search").value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    articles().forEach(function (a) {
      const action = a.dataset.action;
      const ok = (!st || a.dataset.status === st)
        && (!undecided || action === "" || action === "flag")
        && (!flagged || action === "flag")
        && words.every(function (w) { return a.dataset.search.includes(w); });
      a.hidden = !ok;
      if (ok) shown++;
    });
    say($("#shown"), shown + " shown");
  }
  ["#f-status", "#f-undecided", "#f-flagged"].forEach(function (s) {
    $(s).addEventListener("change", applyFilters);
  });
  $("#f-search").addEventListener("input", applyFilters);

  function updateProgress() {
    const all = articles();
    const reviewed = all.filter(function (a) { return a.classList.contains("decided"); }).length;
    const flagged = all.filter(function (a) { return a.classList.contains("flagged"); }).length;
    $("#progress").value = reviewed;
    $("#progress-text").textContent = reviewed + "/" + all.length + " reviewed";
    $("#flagged-text").textContent = flagged + " flagged";
  }

  function select(a, scroll) {
    if (current) current.classList.remove("current");
    current = a;
    if (!a) return;
    a.classList.add("current");
    if (scroll) {
      // Keep the question clear of the sticky toolbar.
      const top = $(".review-head").getBoundingClientRect().bottom + 8;
      const r = a.getBoundingClientRect();
      if (r.top < top) {
        window.scrollBy(0, r.top - top);
      } else if (r.bottom > window.innerHeight) {
        window.scrollBy(0, Math.min(r.bottom - window.innerHeight + 8, r.top - top));
      }
      a.focus({ preventScroll: true });
    }
  }

  function move(step) {
    const v = visible();
    if (!v.length) return;
    let i = current ? v.indexOf(current) : -1;
    i = i < 0 ? (step > 0 ? 0 : v.length - 1) : Math.min(v.length - 1, Math.max(0, i + step));
    select(v[i], true);
  }

  async function refresh(a) {
    const res = await fetch("/questionnaires/" + encodeURIComponent(id) + "/questions/" + a.dataset.index,
      { credentials: "same-origin" });
    if (!res.ok) throw new Error("could not refresh the question");
    const tpl = document.createElement("template");
    tpl.innerHTML = (await res.text()).trim();
    const fresh = tpl.content.firstElementChild;
    a.replaceWith(fresh);
    if (current === a) select(fresh, false);
    fresh.hidden = false;
    updateProgress();
    return fresh;
  }

  async function decide(a, body) {
    const url = "/api/questionnaires/" + encodeURIComponent(id) + "/questions/" + a.dataset.index + "/decision";
    try {
      if (body === null) await api("DELETE", url);
      else await api("POST", url, body);
      const fresh = await refresh(a);
      say(status, "");
      fresh.focus({ preventScroll: true });
    } catch (e) {
      say(status, e.message, true);
    }
  }

  function openForm(a, cls) {
    $$("form.edit-form, form.flag-form", a).forEach(function (f) { f.hidden = true; });
    const f = $("form." + cls, a);
    f.hidden = false;
    const field = $("input, textarea", f);
    field.focus();
    if (field.select) field.select();
  }

  function act(a, what, button) {
    select(a, false);
    switch (what) {
      case "accept": decide(a, { action: "accept" }); break;
      case "clear": decide(a, { action: "clear" }); break;
      case "undo": decide(a, null); break;
      case "choose": decide(a, { action: "choose", entry: button.dataset.entry }); break;
      case "edit": openForm(a, "edit-form"); break;
      case "flag": openForm(a, "flag-form"); break;
      case "cancel":
        $$("form.edit-form, form.flag-form", a).forEach(function (f) { f.hidden = true; });
        a.focus();
        break;
    }
  }

  list.addEventListener("click", function (ev) {
    const a = ev.target.closest("article.q");
    if (!a) return;
    const b = ev.target.closest("button[data-act]");
    if (b) { act(a, b.dataset.act, b); return; }
    if (!ev.target.closest("a, input, textarea, summary")) select(a, false);
  });

  list.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const f = ev.target;
    const a = f.closest("article.q");
    if (f.classList.contains("edit-form")) {
      decide(a, { action: "edit", answer: f.elements.answer.value, details: f.elements.details.value });
    } else if (f.classList.contains("flag-form")) {
      decide(a, { action: "flag", note: f.elements.note.value });
    }
  });

  $("#accept-auto").addEventListener("click", async function () {
    try {
      const r = await api("POST", "/api/questionnaires/" + encodeURIComponent(id) + "/accept-auto");
      say(status, r.accepted + " auto answers accepted.");
      window.location.reload();
    } catch (e) {
      say(status, e.message, true);
    }
  });

  $("#learn").addEventListener("click", async function () {
    try {
      const r = await api("POST", "/api/questionnaires/" + encodeURIComponent(id) + "/learn");
      let text = r.alternates.length + " wording(s) added as alternates, " +
        r.not_answered.length + " marked as not answered by their entry, " +
        r.proposals.length + " proposed entr" + (r.proposals.length === 1 ? "y" : "ies") +
        ", " + r.duplicates + " already known.";
      if (r.inbox_file) text += " Proposals in " + r.inbox_file + ".";
      say(status, text);
    } catch (e) {
      say(status, e.message, true);
    }
  });

  const help = $("#help");
  $("#help-button").addEventListener("click", function () { help.showModal(); });

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const typing = t.closest && t.closest("input, textarea, select");
    if (ev.key === "Escape" && typing) {
      const a = t.closest("article.q");
      if (a) { act(a, "cancel"); ev.preventDefault(); }
      return;
    }
    if (typing || help.open) return;
    switch (ev.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": if (current) act(current, "accept"); break;
      case "e": if (current) act(current, "edit"); break;
      case "c": if (current) act(current, "clear"); break;
      case "f": if (current) act(current, "flag"); break;
      case "u": if (current && current.dataset.action) act(current, "undo"); break;
      case "/": $("#f-search").focus(); break;
      case "?": help.showModal(); break;
      default: return;
    }
    ev.preventDefault();
  });

  applyFilters();
}

document.addEventListener("DOMContentLoaded", function () {
  initHome();
  initInbox();
  initReview();
});
