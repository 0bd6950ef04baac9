//! `cargo bench --bench patch`: writing answers into the original workbook.
//!
//! Generates a questionnaire of about 3 MB (one large sheet of unique text
//! plus a small one), then times `sheet::original::write_original` with 300
//! answers spread over the large sheet: unzip, patch the sheet XML, copy the
//! other entries, write the file. Prints median and min of repeated runs.

use std::time::{Duration, Instant};

use rust_xlsxwriter::Workbook as XlsxWorkbook;
use vetted::sheet::{self, original::CellEdit};

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("big.xlsx");
    let mut book = XlsxWorkbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Questions").unwrap();
    for (c, h) in ["ID", "Question", "Answer", "Notes", "Control", "Owner"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut word = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        format!("{:x}", seed)
    };
    let rows = 40_000u32;
    for r in 1..=rows {
        ws.write_string(r, 0, format!("Q-{r}")).unwrap();
        ws.write_string(r, 1, format!("Do you control {} with {}?", word(), word()))
            .unwrap();
        if r % 3 == 0 {
            ws.write_string(r, 2, "Yes").unwrap();
        }
        ws.write_string(r, 4, word()).unwrap();
        ws.write_string(r, 5, format!("{}@{}.example", word(), word()))
            .unwrap();
    }
    book.add_worksheet()
        .write_string(0, 0, "Instructions")
        .unwrap();
    book.save(&input).expect("save");
    let bytes = std::fs::read(&input).unwrap();
    let wb = sheet::read(&input).expect("read");
    let edits: Vec<CellEdit> = (0..300u32)
        .flat_map(|i| {
            let row = 1 + i * (rows / 300);
            [
                CellEdit {
                    sheet: "Questions".into(),
                    row,
                    col: 2,
                    value: Some("Yes".into()),
                    joins: false,
                },
                CellEdit {
                    sheet: "Questions".into(),
                    row,
                    col: 3,
                    value: Some("Encrypted with AES-256; keys rotate yearly.".into()),
                    joins: true,
                },
            ]
        })
        .collect();
    println!(
        "workbook: {:.2} MB, {} rows; {} answers (answer + notes cell each)",
        bytes.len() as f64 / 1e6,
        rows,
        edits.len() / 2
    );
    let out = dir.path().join("out.xlsx");
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            let outcome =
                sheet::original::write_original(&wb, &[], &bytes, &edits, &out).expect("patch");
            let took = start.elapsed();
            assert_eq!(outcome.written, edits.len());
            took
        })
        .collect();
    times.sort();
    println!(
        "{:<58} median {:>9.2} ms   min {:>9.2} ms   (20 runs)",
        "patch 300 answers into the original",
        times[10].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}
