//! Open: the built-in samples, Browse… (the file dialog), a path field (native) and a
//! drop hint.
//!
//! Natively the samples are embedded ([`SAMPLES`]), so they need no file system and the
//! tests can use them. The browser build does not embed them (they were a quarter of its
//! size): `scripts/web.sh build` copies them into `dist/samples/`, a sample button
//! fetches its file ([`request_sample`]) and delivers it through the same inbox as a
//! picked or dropped file, and a failed fetch becomes a load error (`src/web.rs` does the
//! same for `?sample=NAME`). The programs' sources (small) stay embedded on both
//! ([`SAMPLE_SOURCES`]).

use crate::state::AppState;
use crate::Inbox;

#[cfg(not(target_arch = "wasm32"))]
macro_rules! program {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/programs/",
                $name,
                ".wasm"
            ))
            .as_slice(),
        )
    };
}

#[cfg(not(target_arch = "wasm32"))]
macro_rules! wat {
    ($name:literal) => {
        (
            concat!($name, ".wat"),
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/wat/",
                $name,
                ".wat"
            ))
            .as_slice(),
        )
    };
}

/// Declares [`SAMPLE_NAMES`] and, natively, [`SAMPLES`] from one list.
macro_rules! samples {
    (programs: $($p:literal),* ; wat: $($w:literal),* $(,)?) => {
        /// The built-in samples' names: the programs of `samples/programs/` (`NAME.wasm`),
        /// then the text modules of `samples/wat/` (named with their `.wat`).
        pub const SAMPLE_NAMES: &[&str] = &[$($p,)* $(concat!($w, ".wat"),)*];

        /// The built-in samples, embedded (native builds only): `(name, bytes)`; `.wat`
        /// ones are text.
        #[cfg(not(target_arch = "wasm32"))]
        pub const SAMPLES: &[(&str, &[u8])] = &[$(program!($p),)* $(wat!($w),)*];
    };
}

samples! {
    programs: "hello", "divzero", "oob", "recursion", "panic", "exit", "echo", "pattern",
        "table", "files", "longloop", "vars";
    wat: "add", "fac", "memory", "trap", "tail_calls", "exceptions", "multi_memory", "memory64",
        "gc",
}

macro_rules! source {
    ($name:literal) => {
        (
            concat!($name, "/src/main.rs"),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/programs/",
                $name,
                "/src/main.rs"
            )),
        )
    };
}

/// The sources of the built-in programs, by the path their DWARF gives
/// (`NAME/src/main.rs`), so the Source view works without files (in the browser too).
pub const SAMPLE_SOURCES: &[(&str, &str)] = &[
    source!("hello"),
    source!("divzero"),
    source!("oob"),
    source!("recursion"),
    source!("panic"),
    source!("exit"),
    source!("echo"),
    source!("pattern"),
    source!("table"),
    source!("files"),
    source!("longloop"),
    source!("vars"),
];

macro_rules! learn {
    ($name:literal, $export:literal, $params:literal) => {
        LearnSample {
            name: $name,
            export: $export,
            params: $params,
            text: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/wat/learn/",
                $name,
                ".wat"
            )),
        }
    };
}

/// A Learn sample: a small text module about one thing of the machine, with its guide
/// (the leading `;;` lines of its text), the export to call and its parameters.
#[derive(Clone, Copy, Debug)]
pub struct LearnSample {
    /// Its name (`loop`); the file is `samples/wat/learn/NAME.wat`.
    pub name: &'static str,
    /// The export a learner calls.
    pub export: &'static str,
    /// Its parameters, as the Params field takes them.
    pub params: &'static str,
    /// The module's text (embedded in both builds: they are small).
    pub text: &'static str,
}

impl LearnSample {
    /// The guide: the text's leading comment lines, without their `;;`.
    pub fn guide(&self) -> String {
        self.text
            .lines()
            .take_while(|l| l.trim_start().starts_with(";;"))
            .map(|l| {
                l.trim_start()
                    .trim_start_matches(";;")
                    .strip_prefix(' ')
                    .unwrap_or("")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The Learn samples, in the order to take them.
pub const LEARN: &[LearnSample] = &[
    learn!("loop", "sum", "4"),
    learn!("factorial", "fac", "4"),
    learn!("memory", "swap", ""),
    learn!("call_indirect", "apply", "1 7"),
    learn!("trap", "average", "10 0"),
];

/// The embedded source whose path `path` ends with, if any.
pub fn sample_source(path: &str) -> Option<&'static str> {
    SAMPLE_SOURCES
        .iter()
        .find(|(p, _)| path == *p || path.ends_with(&format!("/{p}")))
        .map(|(_, s)| *s)
}

/// Where the browser build finds built-in sample `name`, relative to the page
/// (`samples/NAME.wasm`, `samples/NAME.wat`: what `scripts/web.sh build` copies into
/// `dist/samples/`); `None` for an unknown name.
pub fn sample_url(name: &str) -> Option<String> {
    SAMPLE_NAMES.contains(&name).then(|| {
        if name.ends_with(".wat") {
            format!("samples/{name}")
        } else {
            format!("samples/{name}.wasm")
        }
    })
}

/// The bytes of built-in sample `name` (embedded).
#[cfg(not(target_arch = "wasm32"))]
pub fn sample(name: &str) -> Option<&'static [u8]> {
    SAMPLES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The bytes of built-in sample `name` once [`fetch_sample`] has fetched them (the
/// browser build embeds none).
#[cfg(target_arch = "wasm32")]
pub fn sample(name: &str) -> Option<&'static [u8]> {
    FETCHED.with(|f| f.borrow().iter().find(|(n, _)| *n == name).map(|(_, b)| *b))
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// The samples fetched so far, kept for the page's lifetime (each is fetched once).
    static FETCHED: std::cell::RefCell<Vec<(&'static str, &'static [u8])>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Fetches built-in sample `name` from [`sample_url`] (once: later calls, and
/// [`sample`], return the kept bytes). The error says what failed: an unknown name, the
/// network, or the HTTP status (`samples/x.wasm: HTTP 404 File not found`).
#[cfg(target_arch = "wasm32")]
pub async fn fetch_sample(name: &str) -> Result<&'static [u8], String> {
    if let Some(bytes) = sample(name) {
        return Ok(bytes);
    }
    let (Some(key), Some(url)) = (SAMPLE_NAMES.iter().find(|n| **n == name), sample_url(name))
    else {
        return Err(format!("no sample named {name:?}"));
    };
    let bytes: &'static [u8] = Box::leak(fetch(&url).await?.into_boxed_slice());
    FETCHED.with(|f| f.borrow_mut().push((key, bytes)));
    Ok(bytes)
}

/// GETs `url` (relative to the page); the body, or why not.
#[cfg(target_arch = "wasm32")]
async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    use wasm_bindgen::{JsCast as _, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::js_sys;

    let why = |e: JsValue| {
        let text = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        format!("{url}: {text}")
    };
    let window = web_sys::window().ok_or_else(|| format!("{url}: no window to fetch from"))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(why)?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| format!("{url}: fetch gave no Response"))?;
    if !response.ok() {
        return Err(format!(
            "{url}: HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let body = JsFuture::from(response.array_buffer().map_err(why)?)
        .await
        .map_err(why)?;
    Ok(js_sys::Uint8Array::new(&body).to_vec())
}

/// Opens built-in sample `name` through `inbox`, as a picked or dropped file: natively
/// its embedded bytes at once, in the browser when fetched. An unknown name or a failed
/// fetch arrives as an error (shown as the load error). `ctx` repaints on arrival.
pub fn request_sample(name: &str, inbox: &Inbox, ctx: &egui::Context) {
    let deliver = {
        let (inbox, ctx) = (inbox.clone(), ctx.clone());
        move |name: String, bytes: Result<Vec<u8>, String>| {
            inbox
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((name, bytes));
            ctx.request_repaint();
        }
    };
    #[cfg(not(target_arch = "wasm32"))]
    deliver(
        name.to_string(),
        sample(name)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("no sample named {name:?}")),
    );
    #[cfg(target_arch = "wasm32")]
    {
        let name = name.to_string();
        wasm_bindgen_futures::spawn_local(async move {
            let bytes = fetch_sample(&name).await.map(<[u8]>::to_vec);
            deliver(name, bytes);
        });
    }
}

/// The Open view.
#[derive(Debug, Default)]
pub struct OpenView {
    /// The path typed in the field.
    pub path: String,
    /// A sample to open on the next frame: a clicked sample button, or (set by
    /// `src/web.rs`) `?sample=NAME`. Natively it loads at once; in the browser it is
    /// fetched ([`request_sample`]) and arrives through the inbox.
    pub requested: Option<String>,
    /// A Learn sample (index into [`LEARN`]) whose button was clicked: the workbench
    /// opens it with its guide.
    pub learn: Option<usize>,
}

impl OpenView {
    /// Draws the view; returns true when a module was (re)loaded. A file picked in the
    /// dialog, and in the browser a sample, arrives later through `inbox`.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, inbox: &Inbox) -> bool {
        #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
        let mut loaded = false;
        ui.horizontal_wrapped(|ui| {
            ui.strong("Open");
            ui.label("samples:");
            for name in SAMPLE_NAMES {
                if ui.button(*name).clicked() {
                    self.requested = Some(name.to_string());
                }
            }
            if ui
                .button("Browse…")
                .on_hover_text("pick a .wasm or .wat file")
                .clicked()
            {
                crate::pick_file(inbox.clone(), ui.ctx().clone());
            }
            if ui.ctx().input(|i| !i.raw.hovered_files.is_empty()) {
                ui.strong("drop to open");
            }
        });
        ui.horizontal_wrapped(|ui| {
            ui.label("Learn:");
            for (k, l) in LEARN.iter().enumerate() {
                if ui
                    .button(format!("{}. {}", k + 1, l.name))
                    .on_hover_text(l.guide().lines().next().unwrap_or("").to_string())
                    .clicked()
                {
                    self.learn = Some(k);
                }
            }
        });
        if let Some(name) = self.requested.take() {
            #[cfg(not(target_arch = "wasm32"))]
            match sample(&name) {
                Some(bytes) => loaded |= state.load(&name, bytes).is_ok(),
                None => state.load_error = Some(format!("no sample named {name:?}")),
            }
            #[cfg(target_arch = "wasm32")]
            request_sample(&name, inbox, ui.ctx());
        }
        ui.horizontal(|ui| {
            // The browser has no file system: files come by drag and drop there.
            #[cfg(not(target_arch = "wasm32"))]
            {
                let label = ui.label("Path:");
                let field = ui
                    .add(egui::TextEdit::singleline(&mut self.path).desired_width(420.0))
                    .labelled_by(label.id);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Open file").clicked() || enter) && !self.path.is_empty() {
                    loaded |= state.load_path(self.path.trim()).is_ok();
                }
            }
            #[cfg(target_arch = "wasm32")]
            ui.label("Browse… or drop a .wasm or .wat file on the page to open it ·");
            match (&state.load_error, &state.module) {
                (Some(e), _) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                (None, Some(m)) => {
                    ui.label(format!("{} ({} bytes)", m.name, m.bytes.len()));
                }
                (None, None) => {
                    ui.label("no module loaded");
                }
            }
        });
        loaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_urls_name_the_files_web_sh_copies() {
        assert_eq!(sample_url("hello").as_deref(), Some("samples/hello.wasm"));
        assert_eq!(sample_url("add.wat").as_deref(), Some("samples/add.wat"));
        assert_eq!(sample_url("nope"), None);
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples");
        for name in SAMPLE_NAMES {
            let file = sample_url(name).unwrap().replace("samples/", "");
            let dir = if name.ends_with(".wat") {
                "wat"
            } else {
                "programs"
            };
            let bytes = std::fs::read(format!("{root}/{dir}/{file}")).unwrap();
            assert_eq!(Some(bytes.as_slice()), sample(name), "{name}");
        }
        assert_eq!(SAMPLES.len(), SAMPLE_NAMES.len());
    }

    #[test]
    fn request_sample_delivers_through_the_inbox() {
        let inbox = Inbox::default();
        let ctx = egui::Context::default();
        request_sample("add.wat", &inbox, &ctx);
        request_sample("nope", &inbox, &ctx);
        let got = std::mem::take(&mut *inbox.lock().unwrap());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "add.wat");
        assert_eq!(got[0].1.as_deref().ok(), sample("add.wat"));
        assert_eq!(got[1].1, Err("no sample named \"nope\"".to_string()));
    }
}
