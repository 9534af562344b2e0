//! A fast path for the block-style YAML that templates and values files almost always are.
//!
//! It reads block mappings and sequences, single-line plain and quoted scalars, literal and
//! folded block scalars, single-line flow collections of scalars, comments and `---`
//! separators, and feeds the same events with the same marks as yaml-rust2 to the same
//! tree builder. Anything else (anchors, aliases, tags, directives, complex keys,
//! multi-line plain or quoted scalars, tabs in structure, empty sequence entries, every
//! error) makes it give up with [`Bail`], and the caller loads the text with yaml-rust2
//! instead: correctness never depends on this module, only speed.

use yaml_rust2::parser::Event;
use yaml_rust2::scanner::TScalarStyle;

use super::Mark;
use super::load::Sink;

/// The fast path cannot read this text (or the builder refused it): use yaml-rust2.
#[derive(Debug)]
pub(super) struct Bail;

type Fast<T = ()> = Result<T, Bail>;

/// Feeds every document of `text`, whose first line is line `first_line` of a larger text,
/// to `builder`, or gives up.
pub(super) fn parse(text: &str, first_line: usize, builder: &mut impl Sink) -> Fast {
    let text = super::load::without_trailing_spaces(text);
    if has_unusual_characters(text) {
        return Err(Bail);
    }
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        ascii: text.is_ascii(),
        pos: 0,
        line: first_line,
        first_line,
        line_start: 0,
        builder,
    };
    parser.stream()
}

/// Characters whose handling (line breaks other than `\n`, BOMs, C0/C1 controls) the fast
/// path leaves to yaml-rust2.
fn has_unusual_characters(text: &str) -> bool {
    // Blocks without an early exit, so that the compiler vectorises the scan.
    let unusual = |b: &u8| (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f;
    if text
        .as_bytes()
        .chunks(64)
        .any(|block| block.iter().fold(false, |found, b| found | unusual(b)))
    {
        return true;
    }
    !text.is_ascii()
        && text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        })
}

/// The next line that holds content (not blank, not only a comment).
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Byte offset of the line start.
    start: usize,
    /// Leading spaces.
    indent: usize,
    /// What the line is.
    kind: LineKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// Ordinary content.
    Content,
    /// A `---` document start marker.
    DocumentStart,
    /// End of the text.
    End,
}

impl Line {
    fn first(&self) -> usize {
        self.start + self.indent
    }
}

struct Parser<'t, 'b, S> {
    text: &'t str,
    bytes: &'t [u8],
    ascii: bool,
    /// Current byte offset.
    pos: usize,
    /// Line number of `line_start`, 1-based.
    line: usize,
    /// Line number of the text's first line.
    first_line: usize,
    /// Byte offset where the current line starts.
    line_start: usize,
    builder: &'b mut S,
}

/// A scalar read from the text, not yet handed to the builder.
struct Token {
    text: String,
    style: TScalarStyle,
    mark: Mark,
}

/// Bytes that end a run of ordinary characters in a plain scalar: line break, tab, and the
/// characters that may end the scalar (`: `, ` #`) or trail it (spaces).
static PLAIN_STOP: [bool; 256] = {
    let mut table = [false; 256];
    table[b'\n' as usize] = true;
    table[b'\t' as usize] = true;
    table[b' ' as usize] = true;
    table[b':' as usize] = true;
    table[b'#' as usize] = true;
    table
};

fn is_blank_or_end(byte: Option<u8>) -> bool {
    matches!(byte, None | Some(b' ' | b'\n'))
}

impl<S: Sink> Parser<'_, '_, S> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn mark(&self, at: usize) -> Mark {
        let column = if self.ascii {
            at - self.line_start + 1
        } else {
            self.text
                .get(self.line_start..at)
                .map_or(0, |s| s.chars().count())
                + 1
        };
        Mark {
            line: self.line,
            column,
        }
    }

    fn event(&mut self, event: Event, at: Mark) -> Fast {
        self.builder.event(event, at).map_err(|()| Bail)
    }

    fn scalar(&mut self, token: Token) -> Fast {
        self.event(Event::Scalar(token.text, token.style, 0, None), token.mark)
    }

    /// End of the line that starts at `start` (the offset of its `\n`, or the text length).
    fn line_end(&self, start: usize) -> usize {
        self.bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(self.bytes.len(), |i| start + i)
    }

    /// Moves to the start of the line after the one holding `pos`.
    fn next_line(&mut self) {
        let end = self.line_end(self.pos);
        if end < self.bytes.len() {
            self.pos = end + 1;
            self.line += 1;
            self.line_start = self.pos;
        } else {
            self.pos = end;
        }
    }

    /// Where the text ends, as yaml-rust2 marks it: the line after the last one.
    fn end_mark(&self) -> Mark {
        let newlines = super::count_newlines(self.bytes);
        let line = if self.bytes.last() == Some(&b'\n') {
            self.first_line + newlines
        } else {
            self.first_line + newlines + 1
        };
        Mark { line, column: 1 }
    }

    /// The next content line from the current line start, skipping blank and comment lines;
    /// moves the cursor to its start.
    fn peek(&mut self) -> Fast<Line> {
        loop {
            let start = self.pos;
            if start >= self.bytes.len() {
                return Ok(Line {
                    start,
                    indent: 0,
                    kind: LineKind::End,
                });
            }
            let mut i = start;
            while self.byte(i) == Some(b' ') {
                i += 1;
            }
            match self.byte(i) {
                Some(b'\t') => return Err(Bail),
                None | Some(b'\n' | b'#') => {
                    self.next_line();
                    if self.pos == start {
                        // A last line without a newline: the end.
                        return Ok(Line {
                            start: self.bytes.len(),
                            indent: 0,
                            kind: LineKind::End,
                        });
                    }
                }
                Some(_) => {
                    let indent = i - start;
                    let rest = &self.bytes[i..];
                    let kind = if indent == 0 && rest.starts_with(b"---") {
                        if !is_blank_or_end(rest.get(3).copied()) {
                            return Err(Bail);
                        }
                        LineKind::DocumentStart
                    } else if indent == 0 && rest.starts_with(b"...") {
                        return Err(Bail);
                    } else {
                        LineKind::Content
                    };
                    if indent == 0 && rest.first() == Some(&b'%') {
                        return Err(Bail);
                    }
                    return Ok(Line {
                        start,
                        indent,
                        kind,
                    });
                }
            }
        }
    }

    fn line_mark(&self, line: &Line) -> Mark {
        match line.kind {
            LineKind::End => self.end_mark(),
            _ => self.mark(line.first()),
        }
    }

    fn stream(&mut self) -> Fast {
        let mut explicit = false;
        loop {
            let line = self.peek()?;
            match line.kind {
                LineKind::End => {
                    if explicit {
                        self.empty_document(&line)?;
                    }
                    return Ok(());
                }
                LineKind::DocumentStart => {
                    if explicit {
                        self.empty_document(&line)?;
                    }
                    // Only `---` and spaces: content after the marker is left to yaml-rust2.
                    let end = self.line_end(line.start);
                    if self.bytes[line.start + 3..end].iter().any(|&b| b != b' ') {
                        return Err(Bail);
                    }
                    self.pos = line.start;
                    self.next_line();
                    explicit = true;
                }
                LineKind::Content => {
                    self.pos = line.first();
                    self.node(None, line)?;
                    let after = self.peek()?;
                    if after.kind == LineKind::Content {
                        return Err(Bail);
                    }
                    // The builder does not use a document end's mark: spare counting lines.
                    self.event(Event::DocumentEnd, Mark::default())?;
                    explicit = false;
                }
            }
        }
    }

    fn empty_document(&mut self, line: &Line) -> Fast {
        let mark = self.line_mark(line);
        self.event(
            Event::Scalar(String::new(), TScalarStyle::Plain, 0, None),
            mark,
        )?;
        self.event(Event::DocumentEnd, mark)
    }

    /// A block node whose first line is `line` (cursor at its first character), inside a
    /// collection at `parent` indentation (`None` at the top level).
    fn node(&mut self, parent: Option<usize>, line: Line) -> Fast {
        let first = line.first();
        self.pos = first;
        if self.byte(first) == Some(b'-') && is_blank_or_end(self.byte(first + 1)) {
            return self.sequence(line.indent, SequenceKind::Block);
        }
        match self.inline_value(parent)? {
            Inline::Key(key, colon) => self.mapping(line.indent, key, colon),
            Inline::Done => Ok(()),
        }
    }

    /// A block sequence whose entries sit at `indent`; the cursor is on the first `-`.
    /// An indentless sequence (`key:\n- item`) sits at its parent mapping's indentation.
    fn sequence(&mut self, indent: usize, kind: SequenceKind) -> Fast {
        let mut first = true;
        loop {
            // Cursor on `-`.
            let dash = self.pos;
            let mut content = dash + 1;
            while self.byte(content) == Some(b' ') {
                content += 1;
            }
            if first {
                let at = if kind == SequenceKind::Indentless {
                    if matches!(
                        self.byte(content),
                        None | Some(b'\n' | b'#' | b'-' | b'|' | b'>')
                    ) {
                        return Err(Bail);
                    }
                    self.mark(content)
                } else {
                    self.mark(dash)
                };
                self.event(Event::SequenceStart(0, None), at)?;
                first = false;
            }
            match self.byte(content) {
                Some(b'\t') => return Err(Bail),
                None | Some(b'\n' | b'#') => {
                    self.pos = content;
                    self.next_line();
                    let line = self.peek()?;
                    if line.kind != LineKind::Content || line.indent <= indent {
                        // An empty entry: its mark follows yaml-rust2's token positions,
                        // which are not worth copying for so rare a form.
                        return Err(Bail);
                    }
                    self.node(Some(indent), line)?;
                }
                Some(b'-') if is_blank_or_end(self.byte(content + 1)) => {
                    self.pos = content;
                    let column = content - self.line_start;
                    self.sequence(column, SequenceKind::Block)?;
                }
                Some(_) => {
                    self.pos = content;
                    match self.inline_value(Some(indent))? {
                        Inline::Key(key, colon) => {
                            let column = content - self.line_start;
                            self.mapping(column, key, colon)?;
                        }
                        Inline::Done => {}
                    }
                }
            }
            let line = self.peek()?;
            if line.kind != LineKind::Content || line.indent < indent {
                break;
            }
            let first_byte = self.byte(line.first());
            let is_entry = first_byte == Some(b'-') && is_blank_or_end(self.byte(line.first() + 1));
            if line.indent == indent && is_entry {
                self.pos = line.first();
                continue;
            }
            if line.indent == indent && kind == SequenceKind::Indentless {
                break;
            }
            return Err(Bail);
        }
        let mark = self.mark(self.pos);
        self.event(Event::SequenceEnd, mark)
    }

    /// A block mapping at `indent` whose first key has been read; the cursor is after the
    /// `:` that follows it.
    fn mapping(&mut self, indent: usize, first_key: Token, colon: Mark) -> Fast {
        self.event(Event::MappingStart(0, None), colon)?;
        let mut key = first_key;
        loop {
            self.scalar(key)?;
            self.mapping_value(indent)?;
            let line = self.peek()?;
            if line.kind != LineKind::Content || line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err(Bail);
            }
            self.pos = line.first();
            match self.inline_value(Some(indent))? {
                Inline::Key(next, _) => key = next,
                Inline::Done => return Err(Bail),
            }
        }
        let mark = self.mark(self.pos);
        self.event(Event::MappingEnd, mark)
    }

    /// The value after `key:` in a mapping at `indent`; the cursor is after the `:`.
    fn mapping_value(&mut self, indent: usize) -> Fast {
        let mut content = self.pos;
        while self.byte(content) == Some(b' ') {
            content += 1;
        }
        match self.byte(content) {
            Some(b'\t') => Err(Bail),
            None | Some(b'\n' | b'#') => {
                if self.byte(content) == Some(b'#') && content == self.pos {
                    return Err(Bail);
                }
                self.pos = content;
                self.next_line();
                let line = self.peek()?;
                if line.kind == LineKind::Content && line.indent > indent {
                    return self.node(Some(indent), line);
                }
                let starts_entry = line.kind == LineKind::Content
                    && self.byte(line.first()) == Some(b'-')
                    && is_blank_or_end(self.byte(line.first() + 1));
                if starts_entry && line.indent == indent {
                    self.pos = line.first();
                    return self.sequence(indent, SequenceKind::Indentless);
                }
                if starts_entry {
                    return Err(Bail);
                }
                // An empty value: yaml-rust2 marks it where the next token starts.
                let mark = self.line_mark(&line);
                self.event(
                    Event::Scalar(String::new(), TScalarStyle::Plain, 0, None),
                    mark,
                )
            }
            Some(_) if content == self.pos => Err(Bail),
            Some(_) => {
                self.pos = content;
                match self.inline_value(Some(indent))? {
                    // `a: b: c` is an error yaml-rust2 reports.
                    Inline::Key(..) => Err(Bail),
                    Inline::Done => Ok(()),
                }
            }
        }
    }

    /// Reads what starts at the cursor on the current line: a key (a scalar followed by
    /// `:` and a blank), returned with the `:`'s mark and the cursor after it, or a complete
    /// scalar value (plain, quoted, block or flow) handed to the builder, the cursor left at
    /// the start of the line after it.
    fn inline_value(&mut self, parent: Option<usize>) -> Fast<Inline> {
        let start = self.pos;
        let token = match self.byte(start) {
            Some(b'"') => self.double_quoted()?,
            Some(b'\'') => self.single_quoted()?,
            Some(b'|' | b'>') => {
                let parent = parent.ok_or(Bail)?;
                self.block_scalar(parent)?;
                return Ok(Inline::Done);
            }
            Some(b'[' | b'{') => {
                self.flow()?;
                self.rest_of_line()?;
                self.next_line();
                return Ok(Inline::Done);
            }
            _ => self.plain()?,
        };
        if self.byte(self.pos) == Some(b':') && is_blank_or_end(self.byte(self.pos + 1)) {
            // Only an escape in a quoted key can make a line break.
            let multiline = token.style != TScalarStyle::Plain && token.text.contains('\n');
            if self.pos - start > 1000 || multiline {
                return Err(Bail);
            }
            let colon = self.mark(self.pos);
            self.pos += 1;
            return Ok(Inline::Key(token, colon));
        }
        self.rest_of_line()?;
        self.scalar(token)?;
        self.next_line();
        Ok(Inline::Done)
    }

    /// After a value: only spaces and a comment may follow on the line.
    fn rest_of_line(&mut self) -> Fast {
        let mut i = self.pos;
        while self.byte(i) == Some(b' ') {
            i += 1;
        }
        match self.byte(i) {
            None | Some(b'\n') => Ok(()),
            Some(b'#') if i > self.pos => Ok(()),
            _ => Err(Bail),
        }
    }

    /// A single-line plain scalar in block context; the cursor ends after its last
    /// non-space character.
    fn plain(&mut self) -> Fast<Token> {
        let start = self.pos;
        let first = self.byte(start).ok_or(Bail)?;
        match first {
            b'-' | b'?' | b':'
                if matches!(self.byte(start + 1), None | Some(b' ' | b'\n' | b'\t')) =>
            {
                return Err(Bail);
            }
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' | b'\t' => return Err(Bail),
            _ => {}
        }
        let mut i = start;
        let mut end = start;
        loop {
            // Ordinary bytes, the bulk of any scalar, cost one table lookup each.
            let run = i;
            while let Some(&b) = self.bytes.get(i)
                && !PLAIN_STOP[usize::from(b)]
            {
                i += 1;
            }
            if i > run {
                end = i;
            }
            match self.byte(i) {
                None | Some(b'\n') => break,
                Some(b'\t') => return Err(Bail),
                Some(b':') if is_blank_or_end(self.byte(i + 1)) => break,
                Some(b'#') if self.byte(i - 1) == Some(b' ') => break,
                Some(b' ') => i += 1,
                Some(_) => {
                    i += 1;
                    end = i;
                }
            }
        }
        let text = self.text.get(start..end).ok_or(Bail)?.to_owned();
        let mark = self.mark(start);
        self.pos = end;
        if self.byte(end) == Some(b' ') {
            // Trailing spaces before `:` make a key yaml-rust2 marks differently.
            let mut j = end;
            while self.byte(j) == Some(b' ') {
                j += 1;
            }
            if self.byte(j) == Some(b':') {
                return Err(Bail);
            }
        }
        Ok(Token {
            text,
            style: TScalarStyle::Plain,
            mark,
        })
    }

    /// A single-quoted scalar closed on its line; the cursor ends after the closing quote.
    fn single_quoted(&mut self) -> Fast<Token> {
        let start = self.pos;
        let mut text = String::new();
        let mut i = start + 1;
        let mut run = i;
        loop {
            match self.byte(i) {
                None | Some(b'\n') => return Err(Bail),
                Some(b'\'') if self.byte(i + 1) == Some(b'\'') => {
                    text.push_str(self.text.get(run..=i).ok_or(Bail)?);
                    i += 2;
                    run = i;
                }
                Some(b'\'') => {
                    text.push_str(self.text.get(run..i).ok_or(Bail)?);
                    break;
                }
                Some(_) => i += 1,
            }
        }
        let mark = self.mark(start);
        self.pos = i + 1;
        Ok(Token {
            text,
            style: TScalarStyle::SingleQuoted,
            mark,
        })
    }

    /// A double-quoted scalar closed on its line; the cursor ends after the closing quote.
    fn double_quoted(&mut self) -> Fast<Token> {
        let start = self.pos;
        let mut text = String::new();
        let mut i = start + 1;
        let mut run = i;
        loop {
            match self.byte(i) {
                None | Some(b'\n') => return Err(Bail),
                Some(b'"') => {
                    text.push_str(self.text.get(run..i).ok_or(Bail)?);
                    break;
                }
                Some(b'\\') => {
                    text.push_str(self.text.get(run..i).ok_or(Bail)?);
                    i = self.escape(i + 1, &mut text)?;
                    run = i;
                }
                Some(_) => i += 1,
            }
        }
        let mark = self.mark(start);
        self.pos = i + 1;
        Ok(Token {
            text,
            style: TScalarStyle::DoubleQuoted,
            mark,
        })
    }

    /// The escape after a `\` at `at - 1`; returns the offset after it.
    fn escape(&self, at: usize, text: &mut String) -> Fast<usize> {
        let simple = match self.byte(at).ok_or(Bail)? {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'v' => '\u{b}',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' => return self.hex_escape(at + 1, 2, text),
            b'u' => return self.hex_escape(at + 1, 4, text),
            b'U' => return self.hex_escape(at + 1, 8, text),
            _ => return Err(Bail),
        };
        text.push(simple);
        Ok(at + 1)
    }

    fn hex_escape(&self, at: usize, digits: usize, text: &mut String) -> Fast<usize> {
        let hex = self.text.get(at..at + digits).ok_or(Bail)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Bail);
        }
        let code = u32::from_str_radix(hex, 16).map_err(|_| Bail)?;
        text.push(char::from_u32(code).ok_or(Bail)?);
        Ok(at + digits)
    }

    /// A literal or folded block scalar whose header is at the cursor, in a collection at
    /// `parent` indentation; the cursor ends at the start of the first line after it.
    fn block_scalar(&mut self, parent: usize) -> Fast {
        let literal = self.byte(self.pos) == Some(b'|');
        let mut i = self.pos + 1;
        let chomp = match self.byte(i) {
            Some(b'-') => {
                i += 1;
                Chomp::Strip
            }
            Some(b'+') => {
                i += 1;
                Chomp::Keep
            }
            _ => Chomp::Clip,
        };
        self.pos = i;
        self.rest_of_line()?;
        if !is_blank_or_end(self.byte(i)) {
            return Err(Bail);
        }
        self.next_line();
        // The first content line fixes the indentation; leading blank lines are left to
        // yaml-rust2.
        let first = self.pos;
        let mut j = first;
        while self.byte(j) == Some(b' ') {
            j += 1;
        }
        let indent = j - first;
        if indent <= parent || matches!(self.byte(j), None | Some(b'\n' | b'\t')) {
            return Err(Bail);
        }
        let mark = self.mark(j);
        let mut text = String::new();
        let mut breaks = 0usize; // blank lines waiting
        let mut any_content = false;
        // Whether the last content line ends with a line break: at the end of a text without
        // one, there is no break for clipping or keeping to keep.
        let mut broken = true;
        loop {
            let start = self.pos;
            if start >= self.bytes.len() {
                break;
            }
            let end = self.line_end(start);
            let line = &self.bytes[start..end];
            let spaces = line.iter().take_while(|&&b| b == b' ').count();
            if spaces == line.len() {
                if spaces > indent {
                    return Err(Bail);
                }
                if end >= self.bytes.len() {
                    // Spaces that end the text without a line break are no empty line.
                    self.pos = end;
                    break;
                }
                breaks += 1;
                self.pos = end + 1;
                self.line += 1;
                self.line_start = self.pos;
                continue;
            }
            if spaces < indent {
                if line.get(spaces) == Some(&b'\t') {
                    return Err(Bail);
                }
                break;
            }
            let content = self.text.get(start + indent..end).ok_or(Bail)?;
            if any_content {
                if literal {
                    text.push('\n');
                    push_newlines(&mut text, breaks);
                } else if content.starts_with([' ', '\t']) {
                    return Err(Bail);
                } else if breaks == 0 {
                    text.push(' ');
                } else {
                    push_newlines(&mut text, breaks);
                }
            } else if !literal && content.starts_with([' ', '\t']) {
                return Err(Bail);
            }
            text.push_str(content);
            any_content = true;
            breaks = 0;
            if end >= self.bytes.len() {
                broken = false;
                self.pos = end;
                break;
            }
            self.pos = end + 1;
            self.line += 1;
            self.line_start = self.pos;
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip if broken => text.push('\n'),
            Chomp::Keep if broken => {
                text.push('\n');
                push_newlines(&mut text, breaks);
            }
            Chomp::Clip | Chomp::Keep => {}
        }
        let style = if literal {
            TScalarStyle::Literal
        } else {
            TScalarStyle::Folded
        };
        self.event(Event::Scalar(text, style, 0, None), mark)
    }

    /// A single-line flow sequence or mapping of scalars at the cursor; the cursor ends
    /// after its closing bracket.
    fn flow(&mut self) -> Fast {
        let open = self.pos;
        let mapping = self.byte(open) == Some(b'{');
        let close = if mapping { b'}' } else { b']' };
        let at = self.mark(open);
        let start = if mapping {
            Event::MappingStart(0, None)
        } else {
            Event::SequenceStart(0, None)
        };
        self.event(start, at)?;
        self.pos = open + 1;
        self.flow_spaces();
        if self.byte(self.pos) == Some(close) {
            self.pos += 1;
        } else {
            loop {
                let item = self.flow_scalar(mapping)?;
                self.scalar(item)?;
                if mapping {
                    if self.byte(self.pos) != Some(b':') || self.byte(self.pos + 1) != Some(b' ') {
                        return Err(Bail);
                    }
                    self.pos += 1;
                    self.flow_spaces();
                    let value = self.flow_scalar(false)?;
                    self.scalar(value)?;
                }
                self.flow_spaces();
                match self.byte(self.pos) {
                    Some(b',') => {
                        self.pos += 1;
                        self.flow_spaces();
                        if self.byte(self.pos) == Some(close) {
                            return Err(Bail);
                        }
                    }
                    Some(b) if b == close => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
        }
        let end = if mapping {
            Event::MappingEnd
        } else {
            Event::SequenceEnd
        };
        let mark = self.mark(self.pos);
        self.event(end, mark)
    }

    fn flow_spaces(&mut self) {
        while self.byte(self.pos) == Some(b' ') {
            self.pos += 1;
        }
    }

    /// A scalar inside a flow collection: quoted, or plain from a conservative alphabet.
    /// A key (`key`) stops before `:`.
    fn flow_scalar(&mut self, key: bool) -> Fast<Token> {
        let start = self.pos;
        match self.byte(start) {
            Some(b'"') => return self.double_quoted(),
            Some(b'\'') => return self.single_quoted(),
            _ => {}
        }
        let first = self.byte(start).ok_or(Bail)?;
        let next = self.byte(start + 1);
        let ok_start = first.is_ascii_alphanumeric()
            || matches!(first, b'.' | b'/' | b'_' | b'~' | b'+')
            || (first == b'-' && next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.'));
        if !ok_start {
            return Err(Bail);
        }
        let mut i = start;
        let mut end = start;
        loop {
            match self.byte(i) {
                Some(b',' | b']' | b'}') => break,
                Some(b':') if key => break,
                None
                | Some(
                    b'\n' | b'\t' | b'[' | b'{' | b'#' | b':' | b'"' | b'\'' | b'&' | b'*' | b'!',
                ) => return Err(Bail),
                Some(b' ') => i += 1,
                Some(_) => {
                    i += 1;
                    end = i;
                }
            }
        }
        if key && end != i {
            return Err(Bail);
        }
        let text = self.text.get(start..end).ok_or(Bail)?.to_owned();
        let mark = self.mark(start);
        self.pos = end;
        Ok(Token {
            text,
            style: TScalarStyle::Plain,
            mark,
        })
    }
}

enum Inline {
    /// A mapping key, with the mark of its `:`.
    Key(Token, Mark),
    /// A value, already handed to the builder.
    Done,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SequenceKind {
    /// Entries indented under their parent.
    Block,
    /// Entries at the parent mapping's indentation.
    Indentless,
}

#[derive(Clone, Copy)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

fn push_newlines(text: &mut String, count: usize) {
    text.extend(std::iter::repeat_n('\n', count));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load::{Builder, load_slow};
    use crate::yaml::mutants::{corpus, knobs, mutate};
    use crate::yaml::{Limits, Node, YamlError};

    fn fast(text: &str) -> Option<Vec<Node>> {
        let limits = Limits::default();
        let mut builder = Builder::new(&limits);
        parse(text, 1, &mut builder).ok()?;
        builder.into_documents()
    }

    /// Whatever the fast path accepts, yaml-rust2 reads the same way; returns whether the
    /// fast path took it.
    fn agrees(text: &str) -> bool {
        let Some(documents) = fast(text) else {
            return false;
        };
        let slow: Result<Vec<Node>, YamlError> = load_slow(text, &Limits::default());
        let fast = Ok(documents);
        if fast != slow {
            let short = |r: &Result<Vec<Node>, YamlError>| {
                format!("{r:?}").chars().take(3000).collect::<String>()
            };
            panic!(
                "fast path differs on:\n{text:?}\nfast: {}\nslow: {}",
                short(&fast),
                short(&slow)
            );
        }
        true
    }

    #[test]
    fn the_fast_path_reads_the_corpus_as_yaml_rust2_does() {
        let corpus = corpus();
        assert!(corpus.len() > 30, "corpus too small: {}", corpus.len());
        let mut taken = 0;
        for text in &corpus {
            if agrees(text) {
                taken += 1;
            }
        }
        // The point of the fast path: it must take almost everything keelson meets.
        assert!(
            taken * 10 >= corpus.len() * 9,
            "fast path took only {taken} of {} texts",
            corpus.len()
        );
    }

    /// Whatever loads piece by piece loads as the whole text does; returns whether the text
    /// was cut and every piece took the fast path.
    fn chunks_agree(text: &str, size: usize) -> bool {
        let pieces = crate::yaml::chunks(text, size);
        assert_eq!(pieces.concat_text(), text);
        let mut documents = Vec::new();
        for piece in &pieces {
            match crate::yaml::load_chunk(piece, &Limits::default()) {
                Some((more, _)) => documents.extend(more),
                None => return false,
            }
        }
        assert_eq!(Ok(documents), load_slow(text, &Limits::default()), "{text}");
        pieces.len() > 1
    }

    #[test]
    fn chunks_load_as_the_whole_text_does() {
        let mut chunked = 0;
        for text in &corpus() {
            for size in [1, 64, 1000] {
                chunked += usize::from(chunks_agree(text, size));
            }
        }
        assert!(chunked > 20, "only {chunked} texts were cut into pieces");
    }

    trait ConcatText {
        fn concat_text(&self) -> String;
    }

    impl ConcatText for Vec<crate::yaml::Chunk<'_>> {
        fn concat_text(&self) -> String {
            self.iter().map(|c| c.text).collect()
        }
    }

    #[test]
    fn the_fast_path_reads_edge_cases_as_yaml_rust2_does_or_gives_up() {
        let cases = [
            "",
            "\n",
            "# only\n",
            "a: 1",
            "a:\n",
            "a:",
            "a: 1\nb:",
            "---\n",
            "---\n---\n",
            "---\n---\na: 1\n---\n",
            "a: 1\n---\nb: 2\n",
            "x\n",
            "- a\n- b\n",
            "- - a\n  - b\n- c\n",
            "k:\n- a\n- b\nc: 1\n",
            "k:\n-   a\n- b\n",
            "k:\n- x: 1\n  y: 2\n- \"q\"\n",
            "a:\n  b:\nc: 1\n",
            "a:\n  # c\n\nb: 1\n",
            "a: |\n  x\n\n  y\n\n\nb: 1\n",
            "a: |-\n  x\n",
            "a: |+\n  x\n\n",
            "a: >\n  x\n  y\n\n  z\n",
            "a: >-\n  x\n   y\n",
            "a: |\n    x\n  y\n",
            "a: |\n  x",
            "a: |\n  x\n   \n",
            "a: |\n  # not a comment\nb: 2\n",
            "a: \"x\\ty\\u00e9\\x41\\\"\"\n",
            "a: 'it''s'\n",
            "'k': \"v\" # c\n",
            "a: [1, \"x\", y]\nb: {p: 1, q: 'r'}\nc: []\nd: {}\n",
            "a: [1, 2,]\n",
            "a: b: c\n",
            "a: b\n  c\n",
            "a:\n  b\n",
            "a:\n  b\n  c\n",
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "? a\n: 1\n",
            "a: 1\na: 2\n",
            "a:\tb\n",
            "\ta: 1\n",
            "é: ü\nb: 1\n",
            "a: ü # é\nbb: 'ö'\n",
            "a: x #c\nb: y#c\n",
            "a : 1\n",
            "a: 1 \nb: 2  \n",
            "- a\n-\n- b\n",
            "a:\n- b\n-\n",
            "- |\n  x\n- y\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "--- a\n",
            "---a\n",
            "a: -1\nb: -x\n",
            "a: - x\n",
            "- a: 1\n  b:\n  - c\n",
            "a: \"unterminated\n",
            "a: 'x\n  y'\n",
            "a: http://x:80/y\nb: c:d\n",
            "a: 1\r\nb: 2\r\n",
            "\u{feff}a: 1\n",
            "a: \"\\q\"\n",
            "[a, b]\n",
            "{a: 1}\n",
            "a: [a, [b]]\n",
            "a: {b: {c: 1}}\n",
            "a:\n  - b\n  -  c: 1\n     d: 2\n",
            "a:\n    b: 1\n  c: 2\n",
            "  a: 1\n  b: 2\n",
            "a: 1\n  b: 2\n",
            "a: {\"b\": 1}\n",
            "a: [\"x\", 'y']\n",
            "<<: {a: 1}\n",
            "a: |\n\n  x\n",
            "a: |2\n  x\n",
            "a: >\n  x\n\n\n",
            "- >+\n  a\n\n- b\n",
            "a:\n  |\n   x\n",
            "a: 'x' y\n",
            "a: \"x\"y\n",
            "a: [x] y\n",
            "a: x\n# c\n  b\n",
        ];
        for case in cases {
            agrees(case);
        }
    }

    #[test]
    fn the_fast_path_reads_mutated_inputs_as_yaml_rust2_does_or_gives_up() {
        let corpus = corpus();
        let (mut rng, runs) = knobs(0x9e37_79b9_7f4a_7c15, 20_000);
        let mut taken = 0;
        for _ in 0..runs {
            let text = &corpus[rng.below(corpus.len())];
            if text.is_empty() {
                continue;
            }
            let mutant = mutate(&mut rng, text);
            if agrees(&mutant) {
                taken += 1;
            }
            chunks_agree(&mutant, 1);
        }
        // Mutants are often still valid block YAML: the fast path must take a fair share.
        assert!(
            taken > runs / 10,
            "fast path took only {taken} of {runs} mutants"
        );
    }
}
