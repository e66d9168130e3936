/// Text made safe for a terminal: control characters shown as escapes instead of acting.
///
/// C0 controls (newline, tab and ESC included), DEL, the C1 controls (U+0080–U+009F, which some terminals
/// also take as escape sequences) and the line and paragraph separators (U+2028, U+2029) become `\n`, `\r`,
/// `\t` or `\u001b`-style escapes, so a topic or a model's reply can neither recolour the terminal nor fake a
/// line. Everything else, and text with nothing to escape,
/// passes through unchanged and without copying.
public enum VisibleText {
    /// `text` with its control characters escaped.
    public static func escape(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        bytes.append(visibleText: text)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` holds a character ``escape(_:)`` would change.
    public static func needsEscaping(_ text: String) -> Bool {
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
            if beforePrevious == 0xE2, previous == 0x80, byte == 0xA8 || byte == 0xA9 { return true }
            beforePrevious = previous
            previous = byte
        }
        return false
    }

    /// JSON text (as JSONEncoder writes it, C0 already escaped) with DEL, C1 and U+2028/U+2029 escaped too,
    /// so that it is as safe on a terminal as the log lines: still the same JSON to a reader.
    public static func escapingJSON(_ json: String) -> String {
        guard needsEscaping(json) else { return json }
        var result = ""
        result.reserveCapacity(json.utf8.count + 16)
        for scalar in json.unicodeScalars {
            switch scalar.value {
            case 0x7F...0x9F, 0x2028, 0x2029: result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension Array where Element == UInt8 {
    /// Appends `text` with its control characters escaped (see ``VisibleText``).
    public mutating func append(visibleText text: String) {
        guard VisibleText.needsEscaping(text) else {
            append(text)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
                let hex = Array("0123456789abcdef".utf8)
                let value = Int(scalar.value)
                append(contentsOf: [92, UInt8(ascii: "u"), hex[value >> 12], hex[(value >> 8) & 0xF], hex[(value >> 4) & 0xF], hex[value & 0xF]])
            default:
                append(contentsOf: String(scalar).utf8)
            }
        }
    }
}
