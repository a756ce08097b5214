import { InvalidArgumentError } from '../src/errors.js';
class Selector {
    fieldpath;
    operator;
    value;
    regexp;
    constructor(fieldpath, operator, value) {
        this.fieldpath = fieldpath;
        this.operator = operator;
        this.value = value;
    }
    match(adaptor) {
        const { value, present } = adaptor(this.fieldpath);
        switch (this.operator) {
            case 'present':
                return present;
            case '==':
                return present && value === this.value;
            case '!=':
                return value !== this.value;
            case '~=':
                if (this.regexp === undefined) {
                    try {
                        this.regexp = new RegExp(this.value, 'u');
                    }
                    catch {
                        // containerd compiles lazily and a bad expression simply matches nothing.
                        this.regexp = null;
                    }
                }
                return this.regexp !== null && this.regexp.test(value);
        }
    }
}
class All {
    selectors;
    constructor(selectors) {
        this.selectors = selectors;
    }
    match(adaptor) {
        return this.selectors.every((s) => s.match(adaptor));
    }
}
class Any {
    filters;
    constructor(filters) {
        this.filters = filters;
    }
    match(adaptor) {
        return this.filters.some((f) => f.match(adaptor));
    }
}
const ALWAYS = { match: () => true };
/** Parses one filter string; '' matches everything. Throws InvalidArgumentError. */
export function parseFilter(input) {
    if (input === '')
        return ALWAYS;
    return new Parser(input).parse();
}
/** Parses several filters into one that matches when any of them does (all when none given). */
export function parseFilters(inputs) {
    if (inputs.length === 0)
        return ALWAYS;
    return new Any(inputs.map(parseFilter));
}
/** The fields containerd's snapshot metadata exposes to filters: kind, name, parent, labels.<key>. */
export function snapshotAdaptor(info) {
    return (fieldpath) => {
        const absent = { value: '', present: false };
        switch (fieldpath[0]) {
            case 'kind':
                return { value: info.kind, present: true };
            case 'name':
                return { value: info.name, present: true };
            case 'parent':
                return { value: info.parent, present: true };
            case 'labels': {
                const key = fieldpath.slice(1).join('.');
                if (!Object.hasOwn(info.labels, key))
                    return absent;
                return { value: info.labels[key] ?? '', present: true };
            }
            default:
                return absent;
        }
    };
}
// ---- scanner -------------------------------------------------------------------------------
const EOF = -1;
const ILLEGAL = -2;
const isAlpha = (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c) => c >= 0x30 && c <= 0x39;
const isFieldRune = (c) => c === 0x2d || c === 0x5f || isAlpha(c) || isDigit(c);
const isOperatorRune = (c) => c === 0x3d || c === 0x21 || c === 0x7e; // = ! ~
const isQuoteRune = (c) => c === 0x2f || c === 0x7c || c === 0x22; // / | "
const isSeparatorRune = (c) => c === 0x2c || c === 0x2e; // , .
const isSpace = (c) => c >= 0 && /\s/u.test(String.fromCodePoint(c));
const isValueRune = (c) => c >= 0 && c !== 0x2c && !isSpace(c) && /[\p{L}\p{N}\p{P}\p{S}\p{M}]/u.test(String.fromCodePoint(c));
function digitValue(c) {
    if (c >= 0x30 && c <= 0x39)
        return c - 0x30;
    if (c >= 0x61 && c <= 0x66)
        return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46)
        return c - 0x41 + 10;
    return 16;
}
/** containerd's scanner over code points; `value` is true right after an operator. */
class Scanner {
    input;
    runes;
    /** Start of the current rune. */
    pos = 0;
    /** End of the current rune (start of the next). */
    ppos = 0;
    value = false;
    constructor(input) {
        this.input = input;
        this.runes = Array.from(input, (ch) => ch.codePointAt(0) ?? 0);
    }
    get length() {
        return this.runes.length;
    }
    text(from, to) {
        return String.fromCodePoint(...this.runes.slice(from, to));
    }
    next() {
        if (this.ppos >= this.runes.length) {
            this.pos = this.ppos;
            return EOF;
        }
        this.pos = this.ppos;
        const r = this.runes[this.ppos] ?? EOF;
        this.ppos += 1;
        if (r === 0)
            return ILLEGAL;
        return r;
    }
    peek() {
        const { pos, ppos } = this;
        const ch = this.next();
        this.pos = pos;
        this.ppos = ppos;
        return ch;
    }
    scan() {
        let ch = this.next();
        let pos = this.pos;
        for (;;) {
            if (ch === EOF)
                return { pos: this.pos, kind: 'eof', text: '' };
            if (ch === ILLEGAL)
                return { pos: this.pos, kind: 'illegal', text: '' };
            if (isQuoteRune(ch)) {
                const ok = this.scanQuoted(ch);
                return { pos, kind: ok ? 'quoted' : 'illegal', text: this.text(pos, this.ppos) };
            }
            if (isSeparatorRune(ch)) {
                this.value = false;
                return { pos, kind: 'separator', text: this.text(pos, this.ppos) };
            }
            if (isOperatorRune(ch)) {
                while (isOperatorRune(this.peek()))
                    this.next();
                this.value = true;
                return { pos, kind: 'operator', text: this.text(pos, this.ppos) };
            }
            if (isSpace(ch)) {
                ch = this.next();
                pos = this.pos;
                continue;
            }
            if (this.value) {
                while (isValueRune(this.peek()))
                    this.next();
                this.value = false;
                return { pos, kind: 'value', text: this.text(pos, this.ppos) };
            }
            if (isFieldRune(ch)) {
                while (isFieldRune(this.peek()))
                    this.next();
                return { pos, kind: 'field', text: this.text(pos, this.ppos) };
            }
            return { pos: this.pos, kind: 'other', text: String.fromCodePoint(ch) };
        }
    }
    /** Consumes a quoted literal whose opening `quote` was just read; false if it is malformed. */
    scanQuoted(quote) {
        let illegal = false;
        let ch = this.next();
        while (ch !== quote) {
            if (ch === 0x0a || ch < 0)
                return false;
            if (ch === 0x5c) {
                const [next, legal] = this.scanEscape(quote);
                ch = next;
                if (!legal)
                    illegal = true;
            }
            else {
                ch = this.next();
            }
        }
        return !illegal;
    }
    scanEscape(quote) {
        const ch = this.next();
        switch (ch) {
            case 0x61:
            case 0x62:
            case 0x66:
            case 0x6e:
            case 0x72:
            case 0x74:
            case 0x76:
            case 0x5c: // a b f n r t v \
                return [this.next(), true];
            case 0x78: // x
                return this.scanDigits(this.next(), 16, 2);
            case 0x75: // u
                return this.scanDigits(this.next(), 16, 4);
            case 0x55: // U
                return this.scanDigits(this.next(), 16, 8);
            default:
                if (ch === quote)
                    return [this.next(), true];
                if (ch >= 0x30 && ch <= 0x37)
                    return this.scanDigits(ch, 8, 3);
                return [ch, false];
        }
    }
    scanDigits(first, base, count) {
        let ch = first;
        let n = count;
        while (n > 0 && digitValue(ch) < base) {
            ch = this.next();
            n -= 1;
        }
        return [ch, n === 0];
    }
}
// ---- parser --------------------------------------------------------------------------------
class Parser {
    input;
    scanner;
    constructor(input) {
        this.input = input;
        this.scanner = new Scanner(input);
    }
    parse() {
        const selectors = [this.selector()];
        for (;;) {
            const ch = this.scanner.peek();
            if (ch === EOF)
                break;
            if (ch !== 0x2c) {
                throw this.error(this.scanner.ppos, `unexpected input: ${String.fromCodePoint(Math.max(ch, 0))}`);
            }
            this.scanner.scan(); // the comma
            selectors.push(this.selector());
        }
        return new All(selectors);
    }
    selector() {
        const fieldpath = this.fieldpath();
        const ch = this.scanner.peek();
        if (ch === 0x2c || ch === EOF)
            return new Selector(fieldpath, 'present', '');
        const operator = this.operator();
        const value = this.value();
        return new Selector(fieldpath, operator, value);
    }
    fieldpath() {
        const fields = [this.field()];
        while (this.scanner.peek() === 0x2e) {
            this.scanner.scan(); // the dot
            fields.push(this.field());
        }
        return fields;
    }
    field() {
        const token = this.scanner.scan();
        if (token.kind === 'field')
            return token.text;
        if (token.kind === 'quoted')
            return this.unquote(token);
        throw this.error(token.pos, 'expected field or quoted');
    }
    operator() {
        const token = this.scanner.scan();
        if (token.kind === 'operator') {
            if (token.text === '==' || token.text === '!=' || token.text === '~=')
                return token.text;
            throw this.error(token.pos, `unsupported operator "${token.text}"`);
        }
        throw this.error(token.pos, 'expected an operator ("=="|"!="|"~=")');
    }
    value() {
        const token = this.scanner.scan();
        if (token.kind === 'value' || token.kind === 'field')
            return token.text;
        if (token.kind === 'quoted')
            return this.unquote(token);
        throw this.error(token.pos, 'expected value or quoted');
    }
    unquote(token) {
        const result = unquote(token.text);
        if (result === null)
            throw this.error(token.pos, 'unquoting failed: quote syntax error');
        return result;
    }
    error(pos, message) {
        const runes = Array.from(this.input);
        const where = pos < runes.length
            ? `${runes.slice(0, pos).join('')} >|${runes[pos] ?? ''}|< ${runes.slice(pos + 1).join('')}`
            : this.input;
        return new InvalidArgumentError(`filters: parse error: [${where}]: ${message}`);
    }
}
/**
 * Go's strconv.Unquote extended, as containerd's is, to `/…/` and `|…|` (treated like "…").
 * Returns null on a syntax error. Byte escapes (\xHH, \ooo) produce raw bytes, read back as UTF-8.
 */
export function unquote(literal) {
    const chars = Array.from(literal);
    if (chars.length < 2)
        return null;
    const quote = chars[0];
    if (quote !== chars[chars.length - 1])
        return null;
    if (quote !== '"' && quote !== '/' && quote !== '|')
        return null;
    const body = chars.slice(1, -1);
    if (body.includes('\n'))
        return null;
    if (!body.includes('\\') && !body.includes(quote))
        return body.join('');
    const bytes = [];
    const pushText = (s) => {
        for (const b of Buffer.from(s, 'utf8'))
            bytes.push(b);
    };
    let i = 0;
    const hex = (count) => {
        let v = 0;
        for (let j = 0; j < count; j++) {
            const c = body[i + j];
            if (c === undefined)
                return null;
            const d = digitValue(c.codePointAt(0) ?? 0);
            if (d >= 16)
                return null;
            v = v * 16 + d;
        }
        i += count;
        return v;
    };
    while (i < body.length) {
        const c = body[i];
        if (c === quote)
            return null;
        if (c !== '\\') {
            pushText(c);
            i += 1;
            continue;
        }
        const e = body[i + 1];
        i += 2;
        if (e === undefined)
            return null;
        const simple = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
        if (simple[e] !== undefined) {
            pushText(simple[e]);
        }
        else if (e === 'x') {
            const v = hex(2);
            if (v === null)
                return null;
            bytes.push(v);
        }
        else if (e === 'u' || e === 'U') {
            const v = hex(e === 'u' ? 4 : 8);
            if (v === null || v > 0x10ffff)
                return null;
            // Go encodes surrogates and other invalid code points as U+FFFD.
            pushText(v >= 0xd800 && v <= 0xdfff ? '\ufffd' : String.fromCodePoint(v));
        }
        else if (e >= '0' && e <= '7') {
            let v = Number(e);
            for (let j = 0; j < 2; j++) {
                const d = body[i + j];
                if (d === undefined || d < '0' || d > '7')
                    return null;
                v = v * 8 + Number(d);
            }
            i += 2;
            if (v > 255)
                return null;
            bytes.push(v);
        }
        else if (e === quote) {
            pushText(e);
        }
        else {
            return null;
        }
    }
    return Buffer.from(bytes).toString('utf8');
}
//# sourceMappingURL=filters.js.map