/// How lines are written for people and log tools.
public enum LogFormat: String, Sendable, Codable, CaseIterable {
    /// For people: level, message, then the fields; colored on a terminal.
    case pretty
    /// One greppable line of `key=value` pairs (logfmt).
    case compact
    /// One JSON object per line, fields as typed values.
    case json

    /// The accepted names, for error messages.
    public static let acceptedNames = "pretty, compact, json"
}
