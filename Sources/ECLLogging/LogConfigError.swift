/// A logging configuration that cannot be used: one line naming the source, the value and what is accepted.
public struct LogConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line to show the user.
    public let message: String

    /// Creates an error with its one-line message.
    public init(_ message: String) { self.message = message }

    /// "SOURCE: 'VALUE' is not a valid WHAT; accepted: ACCEPTED".
    static func invalid(_ what: String, value: String, source: String, accepted: String) -> LogConfigError {
        LogConfigError("\(source): '\(value)' is not a valid \(what); accepted: \(accepted)")
    }

    public var description: String { message }
}
