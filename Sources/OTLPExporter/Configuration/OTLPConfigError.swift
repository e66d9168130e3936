/// An OTLP setting that cannot be used: one line naming the option, the value and what is accepted.
@_spi(Pipeline) public struct OTLPConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line to show.
    public let message: String

    /// "OPTION: 'VALUE' is not accepted; expected WHAT".
    public init(option: String, value: String, expected: String) {
        message = "\(option): '\(value)' is not accepted; expected \(expected)"
    }

    /// A free-form message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
