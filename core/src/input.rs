//! A file's bytes as module bytes: a binary module as it is, WAT text converted.

use std::borrow::Cow;

use crate::error::{Error, ErrorKind};

/// How many of a file's first bytes [`ErrorKind::NotAModule`] keeps.
const FIRST_BYTES: usize = 8;

/// The module in a file's contents, whatever its format: a binary module (it starts with
/// `\0asm`) as it is, and WebAssembly text (valid UTF-8 whose first token, after
/// whitespace and comments, is `(`) converted to binary. What the command line and the
/// workbench do with every file they are given, so that both say the same about bad
/// input.
///
/// A binary is not decoded here: [`crate::Runtime::compile_module`] reports what is wrong
/// with it (a truncated module, say).
///
/// # Errors
/// - [`ErrorKind::NotAModule`] for anything else — an empty file, an executable, plain
///   text — with its first bytes;
/// - [`ErrorKind::Wat`] for text that does not parse as WAT (or is not valid UTF-8
///   after a start that looks like WAT), with the line and column.
///
/// Both display as one line.
///
/// ```
/// use wasmscope::{module_bytes, ErrorKind};
///
/// let wasm = module_bytes(b";; a comment\n(module (func (export \"f\")))").unwrap();
/// assert!(wasm.starts_with(b"\0asm"));
/// assert_eq!(module_bytes(&wasm).unwrap(), wasm);
///
/// let e = module_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::NotAModule { .. }));
/// assert_eq!(
///     e.to_string(),
///     "not a WebAssembly module or WAT text: it starts with 7f 45 4c 46 02 01 01 00"
/// );
///
/// let e = module_bytes(b"(module\n  (func i32.ad))").unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "invalid WAT text at 2:9: unknown operator or unexpected token"
/// );
/// ```
pub fn module_bytes(file: &[u8]) -> Result<Cow<'_, [u8]>, Error> {
    if file.starts_with(b"\0asm") {
        return Ok(Cow::Borrowed(file));
    }
    // The start is enough to tell text: a file whose start looks like WAT is WAT, and
    // invalid UTF-8 later in it is an error at its line.
    let (text, bad_utf8) = match std::str::from_utf8(file) {
        Ok(text) => (text, None),
        Err(e) => (
            std::str::from_utf8(&file[..e.valid_up_to()]).unwrap_or_default(),
            Some(e.valid_up_to()),
        ),
    };
    if wat::Detect::from_bytes(text) != wat::Detect::WasmText {
        return Err(Error::from_kind(ErrorKind::NotAModule {
            first_bytes: file[..file.len().min(FIRST_BYTES)].to_vec(),
        }));
    }
    if let Some(at) = bad_utf8 {
        return Err(wat_error(text, at, "the text is not valid UTF-8"));
    }
    let encoded = wast::parser::ParseBuffer::new(text)
        .and_then(|buf| wast::parser::parse::<wast::Wat>(&buf)?.encode());
    match encoded {
        Ok(wasm) => Ok(Cow::Owned(wasm)),
        Err(e) => Err(wat_error(text, e.span().offset(), &e.message())),
    }
}

/// A WAT error at byte `offset` of `text`: 1-based line and column (in characters).
fn wat_error(text: &str, offset: usize, message: &str) -> Error {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    // One line, whatever the parser said.
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    Error::from_kind(ErrorKind::Wat {
        line,
        column,
        message,
    })
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8]) -> String {
        module_bytes(bytes).unwrap_err().to_string()
    }

    #[test]
    fn binaries_pass_as_they_are_even_broken() {
        let wasm = wat::parse_str("(module)").unwrap();
        assert!(matches!(module_bytes(&wasm).unwrap(), Cow::Borrowed(_)));
        assert_eq!(&*module_bytes(b"\0asm").unwrap(), b"\0asm");
    }

    #[test]
    fn text_after_whitespace_and_comments() {
        for text in [
            "(module)",
            "  \n\t(module)",
            ";; line\n(module)",
            "(; block ;) (module)",
            "(func)",
        ] {
            let wasm = module_bytes(text.as_bytes()).unwrap();
            assert!(wasm.starts_with(b"\0asm"), "{text}");
        }
    }

    #[test]
    fn anything_else_is_one_line_with_the_first_bytes() {
        assert_eq!(
            err(b""),
            "not a WebAssembly module or WAT text: the file is empty"
        );
        assert_eq!(
            err(b"hello world\n"),
            "not a WebAssembly module or WAT text: it starts with 68 65 6c 6c 6f 20 77 6f (\"hello wo\")"
        );
        assert_eq!(
            err(b"\0as"),
            "not a WebAssembly module or WAT text: it starts with 00 61 73"
        );
        assert_eq!(
            err(b"\xff\xfe(module)"),
            "not a WebAssembly module or WAT text: it starts with ff fe 28 6d 6f 64 75 6c"
        );
        assert_eq!(
            err(b";; only a comment\n"),
            "not a WebAssembly module or WAT text: it starts with 3b 3b 20 6f 6e 6c 79 20 (\";; only \")"
        );
        assert_eq!(
            err(b"  \n"),
            "not a WebAssembly module or WAT text: it starts with 20 20 0a"
        );
    }

    #[test]
    fn wat_errors_are_one_line_with_line_and_column() {
        assert_eq!(
            err(b"(module\n  (func (export \"f\") i32.ad))"),
            "invalid WAT text at 2:22: unknown operator or unexpected token"
        );
        assert_eq!(err(b"(module"), "invalid WAT text at 1:8: expected `)`");
        assert_eq!(
            // Columns count characters, not bytes.
            err("(module (; é ;) (func $f) é)".as_bytes()),
            "invalid WAT text at 1:27: unexpected character '\\u{e9}'"
        );
        assert_eq!(
            err(b"(module)\n;; \xff\n"),
            "invalid WAT text at 2:4: the text is not valid UTF-8"
        );
    }
}
