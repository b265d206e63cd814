//! The browser build (wasm32-unknown-unknown): starts eframe's `WebRunner` on the canvas
//! `the_canvas_id` of `web/index.html`, and exports test hooks for
//! `scripts/web-check.mjs`.
//!
//! URL query: `?sample=NAME` opens built-in sample NAME, `?demo` the demo state
//! (`WorkbenchApp::demo`). The `#status` element gets "started" once the runner runs,
//! or the error text. The samples are not embedded in the browser build: they are files
//! in `samples/` next to the page (`scripts/web.sh build` copies them there), fetched
//! when asked for (`views::open::fetch_sample`). `?sample=NAME` is opened after the
//! start as if its button were clicked (`OpenView::requested`), so the window shows at
//! once and the module follows through the inbox (a failed fetch is a load error);
//! `?demo` fetches `divzero` before the start, since the demo runs it.
//!
//! The hooks reach the running app through a clone of the runner
//! (`WebRunner::app_mut`), which needs `eframe::App::as_any_mut`. [`WebApp`] wraps
//! [`WorkbenchApp`] to provide it and forwards everything else to the workbench's own
//! `eframe::App` impl, so the web build draws and behaves exactly like the native one.
//! eframe-web publishes no accessibility tree, so a browser test cannot find widgets
//! by label: it uses these hooks, screenshots and synthetic events instead.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasmscope_gui::views::open;
use wasmscope_gui::WorkbenchApp;

/// [`WorkbenchApp`] plus `as_any_mut`, for `WebRunner::app_mut`.
struct WebApp(WorkbenchApp);

impl eframe::App for WebApp {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        self.0.logic(ctx, frame);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.0.ui(ui, frame);
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        Some(&mut *self)
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.0.save(storage);
    }

    fn on_exit(&mut self, gl: Option<&eframe::glow::Context>) {
        self.0.on_exit(gl);
    }

    fn auto_save_interval(&self) -> std::time::Duration {
        self.0.auto_save_interval()
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        self.0.clear_color(visuals)
    }

    fn persist_egui_memory(&self) -> bool {
        self.0.persist_egui_memory()
    }

    fn raw_input_hook(&mut self, ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        self.0.raw_input_hook(ctx, raw_input);
    }
}

thread_local! {
    /// The running app's runner (a cheap clone) and context, for the hooks.
    static RUNNER: RefCell<Option<(eframe::WebRunner, egui::Context)>> = const { RefCell::new(None) };
}

/// The URL query's value for `key`, if present.
fn query(key: &str) -> Option<String> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|p| p.get(key))
}

/// The app to start with: `?demo` (after fetching the sample the demo runs), or an empty
/// workbench (a `?sample=` follows once it is fetched).
async fn initial_app() -> WorkbenchApp {
    if query("demo").is_some() {
        return match open::fetch_sample("divzero").await {
            Ok(_) => WorkbenchApp::demo(),
            Err(e) => {
                let mut app = WorkbenchApp::new();
                app.state.load_error = Some(format!("cannot read divzero: {e}"));
                app
            }
        };
    }
    WorkbenchApp::new()
}

fn set_status(text: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("status"))
    {
        el.set_text_content(Some(text));
    }
}

/// The web `main`: starts the workbench on `the_canvas_id`.
pub fn start() {
    eframe::WebLogger::init(log::LevelFilter::Info).ok();

    let runner = eframe::WebRunner::new();
    wasm_bindgen_futures::spawn_local(async move {
        let Some(canvas) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("the_canvas_id"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            set_status("error: no <canvas id=\"the_canvas_id\">");
            return;
        };
        let web_options = eframe::WebOptions {
            renderer: eframe::Renderer::Glow,
            ..Default::default()
        };
        let app = initial_app().await;
        let hooks = runner.clone();
        let result = runner
            .start(
                canvas,
                web_options,
                Box::new(move |cc| {
                    RUNNER.with(|r| *r.borrow_mut() = Some((hooks, cc.egui_ctx.clone())));
                    Ok(Box::new(WebApp(app)))
                }),
            )
            .await;
        match result {
            Ok(()) => {
                set_status("started");
                if let Some(name) = query("sample") {
                    wasmscope_open_sample(&name);
                }
            }
            Err(e) => {
                let text = e.as_string().unwrap_or_else(|| format!("{e:?}"));
                log::error!("the workbench failed to start: {text}");
                set_status(&format!("error: {text}"));
            }
        }
    });
}

/// Runs `f` on the running app and asks for a repaint; `None` before the start or after
/// a panic.
fn with_app<R>(f: impl FnOnce(&mut WorkbenchApp) -> R) -> Option<R> {
    RUNNER.with(|r| {
        let r = r.borrow();
        let (runner, ctx) = r.as_ref()?;
        let result = {
            let mut app = runner.app_mut::<WebApp>()?;
            f(&mut app.0)
        };
        ctx.request_repaint();
        Some(result)
    })
}

/// Test hook: the loaded module's name, or "" when none is loaded.
#[wasm_bindgen]
pub fn wasmscope_module_name() -> String {
    with_app(|app| app.state.module.as_ref().map(|m| m.name.clone()))
        .flatten()
        .unwrap_or_default()
}

/// Test hook: the last load error, or "".
#[wasm_bindgen]
pub fn wasmscope_load_error() -> String {
    with_app(|app| app.state.load_error.clone())
        .flatten()
        .unwrap_or_default()
}

/// Test hook: where the session stands, as the Controls view says it ("not started",
/// "paused at …", "finished: …", "trapped: …", "exited with code N").
#[wasm_bindgen]
pub fn wasmscope_state() -> String {
    with_app(|app| wasmscope_gui::views::controls::describe(app.session.state()))
        .unwrap_or_default()
}

/// Test hook: the guest's stdout so far.
#[wasm_bindgen]
pub fn wasmscope_console() -> String {
    with_app(|app| app.session.stdout.text()).unwrap_or_default()
}

/// Test hook: opens built-in sample `name` as its button does: fetched, then opened
/// when its bytes arrive (a failed fetch becomes the load error,
/// [`wasmscope_load_error`]). Whether the workbench runs.
#[wasm_bindgen]
pub fn wasmscope_open_sample(name: &str) -> bool {
    with_app(|app| app.open.requested = Some(name.to_string())).is_some()
}

/// Test hook: opens the file dialog as the Browse… button does (the browser's
/// `<input type=file>`, through rfd); the picked file opens when read.
#[wasm_bindgen]
pub fn wasmscope_browse() {
    RUNNER.with(|r| {
        if let Some((runner, ctx)) = r.borrow().as_ref() {
            if let Some(app) = runner.app_mut::<WebApp>() {
                app.0.browse(ctx);
            }
        }
    });
}

/// Test hook: Start, then Continue to the end (or a breakpoint), as the Start and
/// Continue buttons would; returns the new state ([`wasmscope_state`]).
#[wasm_bindgen]
pub fn wasmscope_run() -> String {
    with_app(|app| {
        app.start();
        app.session.resume();
        wasmscope_gui::views::controls::describe(app.session.state())
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: removes every breakpoint, then sets one on `line` of the source file whose
/// path ends with `file`, as a click on the line number does; "" or the error.
#[wasm_bindgen]
pub fn wasmscope_break_only_at(file: &str, line: u32) -> String {
    with_app(|app| {
        app.state.breakpoints.clear();
        match app.state.add_line_breakpoint(file, line) {
            Ok(_) => String::new(),
            Err(e) => e,
        }
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: the value of `expression` in the innermost frame of the paused call, as
/// the Watch panel shows it (`error: ...` when it has none).
#[wasm_bindgen]
pub fn wasmscope_evaluate(expression: &str) -> String {
    with_app(|app| match app.session.evaluate(0, expression).value {
        Ok(v) => v,
        Err(e) => format!("error: {e}"),
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: opens Learn sample `k` (0-based, the Learn row's order) with its guide, as
/// its button does; whether the workbench runs.
#[wasm_bindgen]
pub fn wasmscope_open_learn(k: usize) -> bool {
    with_app(|app| app.open_learn(k)).is_some()
}

/// Test hook: Start (paused before the first instruction); the new state.
#[wasm_bindgen]
pub fn wasmscope_start() -> String {
    with_app(|app| {
        app.start();
        wasmscope_gui::views::controls::describe(app.session.state())
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: one Step into, as the button does; the new state.
#[wasm_bindgen]
pub fn wasmscope_step_into() -> String {
    with_app(|app| {
        app.session.step_into();
        wasmscope_gui::views::controls::describe(app.session.state())
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: the abstract machine at the paused instruction, as the Machine view shows
/// it: `INSTRUCTION | SEMANTICS | control kinds (outermost first) | operand types (bottom
/// first)`; "" when not paused.
#[wasm_bindgen]
pub fn wasmscope_machine() -> String {
    with_app(|app| {
        let frames = app.session.frames();
        let Some(f) = frames.first() else {
            return String::new();
        };
        let m = f.code_offset.and_then(|o| {
            app.session
                .stepper()
                .and_then(|s| s.compiled().machine(f.definition.index(), o))
        });
        match m {
            Some(m) => {
                let control: Vec<String> = m.control.iter().map(|l| l.kind.to_string()).collect();
                let operands: Vec<String> = m.before.iter().map(|t| t.to_string()).collect();
                format!(
                    "{} | {} | {} | {}",
                    m.instruction,
                    m.semantics,
                    control.join(" "),
                    operands.join(" ")
                )
            }
            None => String::new(),
        }
    })
    .unwrap_or_default()
}

/// Test hook: records the next runs for time travel, as the Record checkbox does.
#[wasm_bindgen]
pub fn wasmscope_record(on: bool) {
    with_app(|app| {
        app.controls.record = on;
        app.session.set_time_travel(on);
    });
}

/// Test hook: Continue, as the button does; the new state.
#[wasm_bindgen]
pub fn wasmscope_continue() -> String {
    with_app(|app| {
        app.session.resume();
        wasmscope_gui::views::controls::describe(app.session.state())
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: a step back (`instruction`, `step`, `next`, `finish` or `continue`, as
/// the Controls' buttons); the timeline's label after it, or "" when not recorded.
#[wasm_bindgen]
pub fn wasmscope_reverse(how: &str) -> String {
    use wasmscope_listeners::stepper::Reverse;
    let how = match how {
        "instruction" => Reverse::Instruction,
        "step" => Reverse::Step,
        "next" => Reverse::Next,
        "finish" => Reverse::Finish,
        "continue" => Reverse::Continue,
        other => return format!("error: no reverse step {other:?}"),
    };
    with_app(|app| {
        app.session.reverse(how);
        app.session
            .timeline()
            .map(|(now, present)| wasmscope_gui::views::controls::timeline_label(now, present))
            .unwrap_or_default()
    })
    .unwrap_or_else(|| "error: the workbench is not running".into())
}

/// Test hook: the status line's text.
#[wasm_bindgen]
pub fn wasmscope_status() -> String {
    with_app(|app| app.session.status().text).unwrap_or_default()
}

/// Test hook: watches global `index`'s changes, as its Watch changes button does.
#[wasm_bindgen]
pub fn wasmscope_watch_global(index: u32) {
    with_app(|app| {
        app.session
            .add_watch(wasmscope_listeners::stepper::Watched::Global(index))
    });
}

/// Test hook: catches the WASI calls named in `names` (comma-separated), as typing
/// them in the Breakpoints tab's field does.
#[wasm_bindgen]
pub fn wasmscope_catch(names: &str) {
    with_app(|app| {
        app.catch.names = names.to_string();
        app.catch.sync(&mut app.session);
    });
}

/// Test hook: the program's arguments for the next run, as the Controls' field takes
/// them (separated by spaces).
#[wasm_bindgen]
pub fn wasmscope_args(args: &str) {
    with_app(|app| app.controls.options.args = args.to_string());
}
