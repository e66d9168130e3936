import ServiceContextModule

/// W3C Baggage: name/value pairs that travel with a request across processes in the `baggage` header
/// (`name=value;property,…`, values percent-encoded), kept in the `ServiceContext` as its `otlpBaggage`.
/// Properties that do not fit the grammar are left out.
public enum W3CBaggage {
    /// The header's name.
    public static let headerName = "baggage"
    /// The most members sent or taken (W3C Baggage: at least 64 must be propagated).
    public static let maxMembers = 64
    /// The most bytes of the header sent or taken (W3C Baggage: at least 8192).
    public static let maxBytes = 8192

    /// One member.
    public struct Member: Sendable, Equatable {
        /// Its name (a token).
        public var name: String
        /// Its value, decoded.
        public var value: String
        /// Its properties (`;key=value` after the value) as they came, without the leading `;`; empty for none.
        public var properties: String

        /// Creates a member.
        public init(name: String, value: String, properties: String = "") {
            self.name = name
            self.value = value
            self.properties = properties
        }
    }

    /// The members of a `baggage` header: malformed members are skipped, invalid properties left out, a
    /// later member of the same name wins, percent-escapes that are not UTF-8 become U+FFFD; members past
    /// ``maxMembers`` or ``maxBytes`` of the header are not taken.
    public static func parse(_ header: String) -> [Member] {
        var members: [Member] = []
        var bytes = 0
        for item in header.split(separator: ",") {
            bytes += item.utf8.count + 1
            if bytes > maxBytes + 1 { break }
            let parts = item.split(separator: ";", omittingEmptySubsequences: false)
            guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingSpaces()
            guard isToken(name) else { continue }
            let value = decode(pair[pair.index(after: equals)...].trimmingSpaces())
            members.removeAll { $0.name == name }
            members.append(Member(name: name, value: value, properties: validProperties(parts.dropFirst())))
            if members.count == maxMembers { break }
        }
        return members
    }

    /// The properties that are `key` or `key=value` (a token, and a value of printable ASCII without
    /// blanks, `"`, `,`, `;` or `\\`), joined by `;`.
    static func validProperties(_ parts: some Sequence<Substring>) -> String {
        parts.map { $0.trimmingSpaces() }.filter { property in
            let pieces = property.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = pieces.first, isToken(key.trimmingSpaces()) else { return false }
            guard pieces.count == 2 else { return true }
            return pieces[1].trimmingSpaces().utf8.allSatisfy(isValueOctet)
        }.joined(separator: ";")
    }

    /// A byte a baggage value may hold unescaped.
    static func isValueOctet(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && ![UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\\")].contains(byte)
    }

    /// Percent-decodes `text`; an escape that is not two hex digits stays as it is, bytes that are not UTF-8
    /// become U+FFFD.
    static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
                let value = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The `baggage` header for `members` (values percent-encoded); members past ``maxMembers`` or
    /// ``maxBytes`` are left out. Nil when there is none.
    public static func header(_ members: [Member]) -> String? {
        var text = ""
        for member in members.prefix(maxMembers) where isToken(member.name) {
            var entry = member.name + "=" + encode(member.value)
            // What the application set is checked too: a property cannot add a member or a header line.
            let properties = validProperties(member.properties.split(separator: ";", omittingEmptySubsequences: false))
            if !properties.isEmpty { entry += ";" + properties }
            let added = (text.isEmpty ? 0 : 1) + entry.utf8.count
            if text.utf8.count + added > maxBytes { break }
            text += (text.isEmpty ? "" : ",") + entry
        }
        return text.isEmpty ? nil : text
    }

    /// An RFC 7230 token: letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isToken(_ text: some StringProtocol) -> Bool { OTLPHTTPConfiguration.isToken(text) }

    /// Percent-encodes what a baggage value cannot hold: controls, space, `"`, `,`, `;`, `\`, `%` and non-ASCII.
    static func encode(_ value: String) -> String {
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            if isValueOctet(byte), byte != UInt8(ascii: "%") {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(HexDigits.upper[Int(byte >> 4)])
                bytes.append(HexDigits.upper[Int(byte & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The W3C baggage of a context.
enum OTLPBaggageKey: ServiceContextKey {
    typealias Value = [W3CBaggage.Member]
    static var nameOverride: String? { "otlp.baggage" }
}

extension ServiceContext {
    /// The W3C baggage this context carries: extracted from a `baggage` header, set by the application, and
    /// injected into outgoing requests (when the ``OTLPConfiguration/Propagator/baggage`` propagator is on).
    public var otlpBaggage: [W3CBaggage.Member] {
        get { self[OTLPBaggageKey.self] ?? [] }
        set { self[OTLPBaggageKey.self] = newValue.isEmpty ? nil : newValue }
    }
}
