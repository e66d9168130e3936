/// URLs as text: credentials hidden for messages, and the check of an `http(s)://` URL given by a user.
public enum URLText {
    /// Query parameters whose values are taken for secrets (compared without case, and as a part of a longer
    /// name such as `api_key` or `access_token`).
    static let secretParameterWords = ["key", "token", "password", "passwd", "pwd", "secret", "signature", "sig", "auth", "credential"]

    /// `url` with its credentials shown as `***`: the password of `user:password@` (a lone `token@` whole),
    /// and the value of every query parameter whose name says it is a secret (`?key=***&page=2`). Text that
    /// is not a URL comes back unchanged. For every message, log line, record and dump that shows a URL.
    /// With `keepingUserName`, a lone `name@` is kept: for schemes where it is a user name (`postgres://`).
    public static func redacted(_ url: String, keepingUserName: Bool = false) -> String {
        var text = url
        if let scheme = text.firstRange(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                let userInfo = rest[..<at]
                let shown = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":***" } ?? (keepingUserName ? String(userInfo) : "***")
                text = String(text[..<scheme.upperBound]) + shown + String(text[at...])
            }
        }
        guard let question = text.firstIndex(of: "?") else { return text }
        let queryEnd = text[question...].firstIndex(of: "#") ?? text.endIndex
        let parameters = text[text.index(after: question)..<queryEnd].split(separator: "&", omittingEmptySubsequences: false).map { parameter in
            guard let equals = parameter.firstIndex(of: "="), isSecretName(parameter[..<equals]) else { return String(parameter) }
            return String(parameter[...equals]) + "***"
        }
        return String(text[...question]) + parameters.joined(separator: "&") + String(text[queryEnd...])
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
        let rest = url[schemeEnd.upperBound...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
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

    static func isSecretName(_ name: Substring) -> Bool {
        let lowered = name.lowercased()
        return secretParameterWords.contains { lowered.contains($0) }
    }
}
