#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogLineCore

/// The `console` log exporter: each line on standard output in the compact format (`key=value` pairs),
/// with `trace_id` and `span_id` when it was logged in a span, written at once (no batching: it is for
/// development).
@_spi(Pipeline) public struct ConsoleLogOutput: LogLineOutput {
    private let formatter = LineFormatter(format: .compact)

    /// Creates the output.
    public init() {}

    public func write(_ line: LogLine) {
        var text = Self.text(line, formatter: formatter)
        text.append(UInt8(ascii: "\n"))
        _ = text.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    /// The line as written, without its newline.
    static func text(_ line: LogLine, formatter: LineFormatter) -> [UInt8] {
        var text = formatter.withRendered(line) { Array($0) }
        if let trace = line.trace, let traceID = TraceID(high: trace.traceIDHigh, low: trace.traceIDLow), let spanID = SpanID(trace.spanID) {
            text.append(contentsOf: " trace_id=".utf8)
            HexDigits.append(traceID.high, to: &text)
            HexDigits.append(traceID.low, to: &text)
            text.append(contentsOf: " span_id=".utf8)
            HexDigits.append(spanID.value, to: &text)
        }
        return text
    }
}
