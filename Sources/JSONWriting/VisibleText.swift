/// Text made safe for a terminal: control characters shown as escapes instead of acting.
///
/// C0 controls (newline, tab and ESC included), DEL, the C1 controls (U+0080–U+009F, which some terminals
/// also take as escape sequences), the line and paragraph separators (U+2028, U+2029), the bidirectional
/// controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, which reorder what a line shows) and the byte-order
/// mark (U+FEFF) become `\n`, `\r`, `\t` or `\u001b`-style escapes, so a topic or a model's reply can neither
/// recolour the terminal, nor fake a line, nor disguise one. Everything else, and text with nothing to escape,
/// passes through unchanged and without copying.
public enum VisibleText {
    /// `text` with its control characters escaped.
    public static func escape(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        bytes.appendEscaping(text, json: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` holds a character ``escape(_:)`` would change.
    public static func needsEscaping(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for index in ByteScan.firstCandidate(bytes, quotes: false)..<bytes.count {
                let byte = bytes[index]
                if byte < 0x20 || byte == 0x7F { return true }
                if byte >= 0xC2, escapedSequenceLength(bytes, at: index) != nil { return true }
            }
            return false
        }
    }

    /// Whether `value` is a scalar above ASCII that is escaped: C1, the separators, the bidirectional controls
    /// and the byte-order mark.
    static func isEscaped(_ value: UInt32) -> Bool {
        switch value {
        case 0x80...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// When the UTF-8 sequence at `index` is an escaped scalar (see ``isEscaped(_:)``): its value and its length
    /// in bytes; nil otherwise.
    static func escapedSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, length: Int)? {
        let byte = bytes[index]
        if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
            return (UInt32(bytes[index + 1]), 2)
        }
        if byte == 0xD8, index + 1 < bytes.count, bytes[index + 1] == 0x9C { return (0x061C, 2) }
        guard byte == 0xE2 || byte == 0xEF, index + 2 < bytes.count else { return nil }
        let value = (UInt32(byte & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F)
        guard bytes[index + 1] & 0xC0 == 0x80, bytes[index + 2] & 0xC0 == 0x80, isEscaped(value) else { return nil }
        return (value, 3)
    }

    /// JSON text (as JSONEncoder writes it, C0 already escaped) with DEL and every character above ASCII that
    /// ``escape(_:)`` escapes escaped too, so that it is as safe on a terminal as the log lines: still the same
    /// JSON to a reader.
    public static func escapingJSON(_ json: String) -> String {
        guard needsEscaping(json) else { return json }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.utf8.count + 16)
        bytes.appendEscaping(json, json: true)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Appends `text` with its control characters escaped (see ``VisibleText``).
    public mutating func append(visibleText text: String) {
        if VisibleText.needsEscaping(text) { appendEscaping(text, json: false) } else { append(text) }
    }

    /// Appends `text`, known to hold something to escape. In `json` text (JSON as JSONEncoder writes it) C0 is
    /// escaped already and must stay as it is; elsewhere newline, return and tab get their short escapes.
    mutating func appendEscaping(_ text: String, json: Bool) {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where !json: append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D where !json: append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09 where !json: append(contentsOf: [92, UInt8(ascii: "t")])
            case let value where (value < 0x20 && !json) || value == 0x7F || VisibleText.isEscaped(value):
                append(unicodeEscape: value)
            default:
                append(contentsOf: String(scalar).utf8)
            }
        }
    }

    /// `\uXXXX` for a scalar of the Basic Multilingual Plane (every one escaped here is).
    mutating func append(unicodeEscape value: UInt32) {
        let code = Int(value)
        let hex = JSONWriting.hexDigits
        append(contentsOf: [92, UInt8(ascii: "u"), hex[code >> 12], hex[(code >> 8) & 0xF], hex[(code >> 4) & 0xF], hex[code & 0xF]])
    }
}
