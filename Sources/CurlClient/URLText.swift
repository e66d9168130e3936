/// URLs as text: credentials hidden for messages, and the check of an `http(s)://` URL given by a user.
public enum URLText {
    /// Query parameters whose values are taken for secrets (compared without case, and as a part of a longer
    /// name such as `api_key` or `access_token`).
    static let secretParameterWords = ["key", "token", "password", "passwd", "pwd", "secret", "signature", "sig", "auth", "credential"]

    /// `url` with its credentials shown as `***`: the password of `user:password@` (a lone `token@` whole),
    /// and the value of every query, fragment or path parameter whose name says it is a secret
    /// (`?key=***&page=2`). A password holding `/`, `?` or `#` (a malformed URL, the kind an error quotes) is
    /// hidden too: everything up to the last `@` is taken for user information. For every message, log line,
    /// record and dump that shows a URL.
    /// With `keepingUserName`, a lone `name@` is kept: for schemes where it is a user name (`postgres://`).
    public static func redacted(_ url: String, keepingUserName: Bool = false) -> String {
        var text = url
        if let scheme = text.firstRange(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            // An `@` past the authority with a `:` before it is a password holding `/`, `?` or `#`.
            let spilled = rest.lastIndex(of: "@").flatMap { at in rest[..<at].contains(":") ? at : nil }
            if let at = rest[..<authorityEnd].lastIndex(of: "@") ?? spilled {
                let userInfo = rest[..<at]
                let shown = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":***" } ?? (keepingUserName ? String(userInfo) : "***")
                text = String(text[..<scheme.upperBound]) + shown + String(text[at...])
            }
        }
        // Path parameters (`/x;token=…`), then the query, then the fragment (some put tokens there too):
        // `name=value` pairs split at `&` or `;`.
        if let scheme = text.firstRange(of: "://") {
            let pathStart = text[scheme.upperBound...].firstIndex(of: "/") ?? text.endIndex
            let pathEnd = text[pathStart...].firstIndex { $0 == "?" || $0 == "#" } ?? text.endIndex
            if let semicolon = text[pathStart..<pathEnd].firstIndex(of: ";") {
                text = String(text[..<semicolon]) + redactingParameters(text[semicolon..<pathEnd]) + String(text[pathEnd...])
            }
        }
        for mark in ["?", "#"] as [Character] {
            guard let start = text.firstIndex(of: mark) else { continue }
            let end = mark == "?" ? text[start...].firstIndex(of: "#") ?? text.endIndex : text.endIndex
            text = String(text[...start]) + redactingParameters(text[text.index(after: start)..<end]) + String(text[end...])
        }
        return text
    }

    /// `a=1&token=x;key=y` as `a=1&token=***;key=***`.
    static func redactingParameters(_ text: Substring) -> String {
        var result = ""
        var rest = text
        while !rest.isEmpty {
            let end = rest.firstIndex { $0 == "&" || $0 == ";" } ?? rest.endIndex
            let parameter = rest[..<end]
            if let equals = parameter.firstIndex(of: "="), isSecretName(parameter[..<equals]) {
                result += parameter[...equals] + "***"
            } else {
                result += parameter
            }
            if end < rest.endIndex {
                result.append(rest[end])
                rest = rest[rest.index(after: end)...]
            } else {
                rest = rest[end...]
            }
        }
        return result
    }

    /// Every `scheme://…` URL inside `text` redacted (see ``redacted(_:)``): for a message that quotes one.
    public static func redactingURLs(in text: String) -> String {
        guard text.contains("://") else { return text }
        var result = ""
        var rest = text[...]
        while let scheme = rest.firstRange(of: "://") {
            let start = rest[..<scheme.lowerBound].lastIndex { !($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
                .map { rest.index(after: $0) } ?? rest.startIndex
            let end = rest[scheme.upperBound...].firstIndex { $0.isWhitespace || $0 == "'" || $0 == "\"" || $0 == ">" } ?? rest.endIndex
            result += rest[..<start] + redacted(String(rest[start..<end]))
            rest = rest[end...]
        }
        return result + rest
    }

    /// What is wrong with `url` as an `http://` or `https://` URL with a host (and a port from 1 to 65535 when
    /// one is given), or nil when nothing is.
    public static func httpProblem(_ url: String) -> String? {
        let lowered = url.lowercased()
        guard let schemeEnd = lowered.firstRange(of: "://"), ["http", "https"].contains(String(lowered[..<schemeEnd.lowerBound])) else {
            return "not an http:// or https:// URL"
        }
        guard !url.contains(where: { $0.isWhitespace }) else { return "it holds a space" }
        guard !url.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            return "it holds a control character"
        }
        let rest = url[schemeEnd.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), !authority.contains("]") { return "its [IPv6 address] is not closed" }
        let host = authority.hasPrefix("[") ? authority.prefix { $0 != "]" } + "]" : authority.prefix { $0 != ":" }
        guard !host.isEmpty else { return "it names no host" }
        let portText = authority.dropFirst(host.count)
        if !portText.isEmpty {
            guard portText.first == ":", let port = Int(portText.dropFirst()), (1...65535).contains(port) else {
                return "its port is not a number from 1 to 65535"
            }
        }
        return nil
    }

    /// `url` with `path` added to its path (one slash between), before its query; a fragment is dropped (it
    /// is never sent). `http://h/base?k=v` and `v1/messages` give `http://h/base/v1/messages?k=v`.
    public static func appendingPath(_ url: String, _ path: String) -> String {
        var base = url
        if let hash = base.firstIndex(of: "#") { base = String(base[..<hash]) }
        var query = ""
        if let question = base.firstIndex(of: "?") {
            query = String(base[question...])
            base = String(base[..<question])
        }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/" + path + query
    }

    /// Whether a query parameter's name says its value is a secret (`token`, `key`, `password`…).
    public static func isSecretParameter(_ name: String) -> Bool { isSecretName(Substring(name)) }

    /// Whether a query parameter's name says its value is a secret, after percent-decoding it.
    static func isSecretName(_ name: Substring) -> Bool {
        let lowered = percentDecoded(name).lowercased()
        return secretParameterWords.contains { lowered.contains($0) }
    }

    /// `%74oken` as `token`: enough of percent-decoding to read a parameter's name (bad escapes kept as they are).
    static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
