//! Documents (文书) as PDF, laid out by typst with the CJK fonts installed on the machine
//! (Debian: fonts-noto-cjk). Without a CJK font the printer says so instead of printing tofu.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock, OnceLock};

use chrono::{Datelike, Timelike};
use domain::case::Document;
use domain::ports::DocumentPrinter;
use domain::{Error, Result};
use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

/// The layout; the document's text arrives as `/document.json`.
const TEMPLATE: &str = include_str!("document.typ");

/// Families tried first, in order; any other family covering Chinese is the fallback.
const PREFERRED: [&str; 4] = ["Noto Serif CJK SC", "Source Han Serif SC", "Noto Sans CJK SC", "Source Han Sans SC"];

/// A font counts as CJK when it covers all of these.
const PROBE: &str = "受理通知书不予许可决定〔〕第号年月日";

/// The typst PDF printer. Fonts are discovered on first use and kept: once per process for the
/// system fonts, once per printer for a font directory.
#[derive(Clone)]
pub struct TypstPrinter {
    fonts: Arc<Fonts>,
}

static SYSTEM: LazyLock<Arc<Fonts>> = LazyLock::new(|| Arc::new(Fonts { dir: None, loaded: OnceLock::new() }));

impl TypstPrinter {
    /// The system's fonts (fontconfig's directories).
    pub fn system() -> Self {
        TypstPrinter { fonts: SYSTEM.clone() }
    }

    /// Only the fonts under `dir` (a deployment's own fonts; a directory without CJK fonts turns PDF off).
    pub fn with_font_dir(dir: PathBuf) -> Self {
        TypstPrinter { fonts: Arc::new(Fonts { dir: Some(dir), loaded: OnceLock::new() }) }
    }

    /// The compiler state, or None without a CJK font.
    fn engine(&self) -> Option<&Engine> {
        self.fonts.loaded.get_or_init(|| Engine::load(self.fonts.dir.clone())).as_ref()
    }
}

struct Fonts {
    dir: Option<PathBuf>,
    loaded: OnceLock<Option<Engine>>,
}

/// What every compilation shares: the standard library, the fonts and the parsed template.
struct Engine {
    library: LazyHash<Library>,
    store: FontStore,
    /// CJK families for `text(font: …)`, preferred first.
    families: Vec<String>,
    main: Source,
    data: FileId,
    qr: FileId,
}

impl Engine {
    fn load(dir: Option<PathBuf>) -> Option<Engine> {
        let started = std::time::Instant::now();
        let mut store = FontStore::new();
        match &dir {
            Some(d) => store.extend(typst_kit::fonts::scan(d)),
            None => store.extend(typst_kit::fonts::system()),
        }
        let families = cjk_families(store.book());
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, families = ?families, "PDF fonts discovered");
        if families.is_empty() {
            return None;
        }
        let main = file_id("/main.typ")?;
        let data = file_id("/document.json")?;
        let qr = file_id("/qr.svg")?;
        Some(Engine {
            library: LazyHash::new(Library::builder().build()),
            store,
            families,
            main: Source::new(main, TEMPLATE.to_owned()),
            data,
            qr,
        })
    }
}

fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

/// The families with a face that covers every probe character: the preferred ones in their order,
/// else all of them by name.
fn cjk_families(book: &FontBook) -> Vec<String> {
    let mut found: Vec<String> = book
        .families()
        .filter_map(|(name, ids)| {
            let mut ids = ids;
            let cjk = ids.any(|i| book.info(i).is_some_and(|f| PROBE.chars().all(|c| f.coverage.contains(c as u32))));
            cjk.then(|| name.to_owned())
        })
        .collect();
    found.sort();
    let preferred: Vec<String> =
        PREFERRED.iter().filter(|p| found.iter().any(|f| f == *p)).map(|p| (*p).to_owned()).collect();
    if preferred.is_empty() { found } else { preferred }
}

/// The document as typst reads it.
#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    number: &'a str,
    /// The first line when it names the applicant (`张三：`), set flush left.
    addressee: Option<&'a str>,
    paragraphs: Vec<&'a str>,
    /// The issuing center, bottom right above the date.
    issuer: &'a str,
    date: String,
    fonts: &'a [String],
    /// Whether `/qr.svg` is there to print.
    qr: bool,
}

impl<'a> Data<'a> {
    fn of(doc: &'a Document, fonts: &'a [String], qr: bool) -> Self {
        let (issuer, body) = match doc.paragraphs.split_last() {
            Some((last, rest)) if !rest.is_empty() => (last.as_str(), rest),
            _ => ("", doc.paragraphs.as_slice()),
        };
        let mut lines = body.iter().flat_map(|p| p.lines()).map(str::trim).filter(|l| !l.is_empty());
        let addressee = match body.first() {
            Some(first) if first.contains('\n') => lines.next(),
            _ => None,
        };
        Data {
            title: doc.title(),
            number: &doc.number,
            addressee,
            paragraphs: lines.collect(),
            issuer,
            date: domain::china_time::local_day(doc.issued_at).format("%Y年%m月%d日").to_string(),
            fonts,
            qr,
        }
    }
}

/// One compilation: the shared engine plus this document's data.
struct Job<'a> {
    engine: &'a Engine,
    data: Bytes,
    qr: Option<Bytes>,
}

impl World for Job<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.engine.store.book()
    }

    fn main(&self) -> FileId {
        self.engine.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.engine.main.id() {
            Ok(self.engine.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.engine.data {
            Ok(self.data.clone())
        } else if let Some(qr) = self.qr.as_ref().filter(|_| id == self.engine.qr) {
            Ok(qr.clone())
        } else {
            Err(FileError::NotFound(id.vpath().get_with_slash().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.store.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// The document laid out in pages.
fn layout(engine: &Engine, doc: &Document, qr_svg: Option<&str>) -> Result<PagedDocument> {
    let data = serde_json::to_vec(&Data::of(doc, &engine.families, qr_svg.is_some())).map_err(Error::internal)?;
    let qr = qr_svg.map(|svg| Bytes::new(svg.as_bytes().to_vec()));
    let job = Job { engine, data: Bytes::new(data), qr };
    let compiled = typst::compile::<PagedDocument>(&job).output;
    // Bound typst's memo cache across requests.
    typst::comemo::evict(10);
    compiled.map_err(|e| Error::internal(format!("PDF layout: {:?}", e.first().map(|d| &d.message))))
}

impl DocumentPrinter for TypstPrinter {
    fn available(&self) -> bool {
        self.engine().is_some()
    }

    fn pdf(&self, doc: &Document, qr_svg: Option<&str>) -> Result<Vec<u8>> {
        let engine = self.engine().ok_or_else(|| Error::internal("PDF: no CJK font installed"))?;
        let paged = layout(engine, doc, qr_svg)?;
        let t = doc.issued_at;
        let options = PdfOptions {
            ident: Smart::Custom(doc.id.to_string()),
            timestamp: Datetime::from_ymd_hms(
                t.year(),
                t.month() as u8,
                t.day() as u8,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
            )
            .map(Timestamp::new_utc),
            ..PdfOptions::default()
        };
        typst_pdf::pdf(&paged, &options)
            .map_err(|e| Error::internal(format!("PDF export: {:?}", e.first().map(|d| &d.message))))
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use domain::case::DocumentKind;
    use domain::region::RegionCode;
    use typst::layout::{Frame, FrameItem};
    use uuid::Uuid;

    use super::*;

    const TRICKY: &str =
        r#"#set text(red) *粗体* _斜体_ $x^2$ ] [ } { \ " // 注释 <label> @ref `code` = 标题 #panic("x")"#;

    fn document() -> Document {
        Document {
            id: Uuid::nil(),
            case_id: Uuid::nil(),
            tenant: RegionCode::parse("610426000000").expect("code"),
            kind: DocumentKind::AcceptanceNotice,
            number: "永寿县受字〔2026〕1号".into(),
            issued_at: DateTime::parse_from_rfc3339("2026-03-05T02:00:00Z").expect("time").to_utc(),
            paragraphs: vec![
                "张三：\n你（单位）于2026年3月5日提出的“临时救助”申请（办件编号 YS-1）".into(),
                TRICKY.into(),
                "永寿县政务服务中心".into(),
            ],
        }
    }

    /// The text of every glyph run, in order.
    fn text_of(frame: &Frame, out: &mut String) {
        for (_, item) in frame.items() {
            match item {
                FrameItem::Group(g) => text_of(&g.frame, out),
                FrameItem::Text(t) => out.push_str(&t.text),
                _ => {}
            }
        }
    }

    /// The document information's /Title, a UTF-16BE hex string.
    fn info_title(pdf: &[u8]) -> Option<String> {
        let at = pdf.windows(11).position(|w| w == b"/Title<FEFF")? + 11;
        let hex = &pdf[at..at + pdf[at..].iter().position(|&b| b == b'>')?];
        let units: Vec<u16> = hex
            .chunks(4)
            .map(|c| std::str::from_utf8(c).ok().and_then(|h| u16::from_str_radix(h, 16).ok()))
            .collect::<Option<_>>()?;
        String::from_utf16(&units).ok()
    }

    fn ci() -> bool {
        std::env::var("CI").is_ok_and(|v| v == "true")
    }

    #[test]
    fn markup_characters_in_paragraphs_print_verbatim() {
        let printer = TypstPrinter::system();
        let Some(engine) = printer.engine() else {
            assert!(!ci(), "CI installs fonts-noto-cjk, yet no CJK font was found");
            assert!(!printer.available());
            assert_eq!(printer.pdf(&document(), None).expect_err("no font").code(), "INTERNAL");
            return;
        };
        let paged = layout(engine, &document(), None).expect("layout");
        assert_eq!(paged.pages().len(), 1);
        let mut text = String::new();
        text_of(&paged.pages()[0].frame, &mut text);
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let expected: String = [
            "受理通知书",
            "永寿县受字〔2026〕1号",
            "张三：",
            "你（单位）于2026年3月5日提出的“临时救助”申请（办件编号 YS-1）",
            TRICKY,
            "永寿县政务服务中心",
            "2026年03月05日",
        ]
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
        assert_eq!(text, expected);
    }

    /// Every image in the frame, depth first.
    fn images(frame: &Frame) -> usize {
        frame
            .items()
            .map(|(_, item)| match item {
                FrameItem::Group(g) => images(&g.frame),
                FrameItem::Image(..) => 1,
                _ => 0,
            })
            .sum()
    }

    #[test]
    fn a_qr_code_prints_at_the_foot_with_its_caption() {
        let printer = TypstPrinter::system();
        let Some(engine) = printer.engine() else {
            assert!(!ci(), "CI installs fonts-noto-cjk, yet no CJK font was found");
            return;
        };
        let svg =
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="21" height="21"><rect width="7" height="7"/></svg>"#;
        let with = layout(engine, &document(), Some(svg)).expect("layout with a QR code");
        let without = layout(engine, &document(), None).expect("layout");
        let frame = &with.pages().last().expect("a page").frame;
        assert_eq!(images(frame), 1, "one image: the QR code");
        assert_eq!(images(&without.pages()[0].frame), 0);
        let mut text = String::new();
        text_of(frame, &mut text);
        assert!(text.contains("扫码查询办理进度"), "{text}");
        let pdf = printer.pdf(&document(), Some(svg)).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > printer.pdf(&document(), None).expect("pdf").len(), "the image is in the file");
    }

    #[test]
    fn the_pdf_carries_the_number_as_its_title() {
        let printer = TypstPrinter::system();
        if !printer.available() {
            assert!(!ci(), "CI installs fonts-noto-cjk, yet no CJK font was found");
            return;
        }
        let pdf = printer.pdf(&document(), None).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(info_title(&pdf).as_deref(), Some("永寿县受字〔2026〕1号"));
        assert!(pdf.windows(12).any(|w| w == b"/Lang(zh-CN)"), "the catalogue declares Chinese");
        assert!(pdf.len() > 5_000, "fonts are embedded: {} bytes", pdf.len());
    }

    #[test]
    fn a_directory_without_cjk_fonts_makes_pdf_unavailable() {
        let dir = std::env::temp_dir().join(format!("tongban-no-fonts-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("dir");
        let printer = TypstPrinter::with_font_dir(dir.clone());
        assert!(!printer.available());
        let err = printer.pdf(&document(), None).expect_err("unavailable");
        assert_eq!(err.code(), "INTERNAL");
        std::fs::remove_dir(&dir).expect("cleanup");
    }
}
