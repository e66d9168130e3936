#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogLineCore

/// The `console` log exporter: each line on standard output in the compact format (`key=value` pairs),
/// written at once (no batching: it is for development).
@_spi(Pipeline) public struct ConsoleLogOutput: LogLineOutput {
    private let formatter = LineFormatter(format: .compact)

    /// Creates the output.
    public init() {}

    public func write(_ line: LogLine) {
        formatter.withRendered(line) { bytes in
            var text = Array(bytes)
            text.append(UInt8(ascii: "\n"))
            _ = text.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
    }
}
