import Foundation
import JSONWriting
import Synchronization

/// For development: prints each span as it ends, indented under its parent, with its duration, status and
/// key attributes. Spans end child-first, so a span's depth is remembered from its start.
@_spi(Pipeline) public final class ConsoleSpanPrinter: SpanProcessor {
    private let depths = Mutex<[SpanID: Int]>([:])
    private let write: @Sendable (String) -> Void
    private let colors: Bool
    private let keys: [String]

    /// Creates a printer; `keys` are the attributes shown, in order.
    public init(colors: Bool, keys: [String], write: @escaping @Sendable (String) -> Void) {
        self.colors = colors
        self.keys = keys
        self.write = write
    }

    /// Remembers a span's depth when it starts.
    public func onStart(_ context: SpanContextData) {
        depths.withLock { depths in
            let parentDepth = context.parentSpanID.flatMap { depths[$0] } ?? -1
            depths[context.spanID] = parentDepth + 1
        }
    }

    public func onEnd(_ span: SpanData) {
        let depth = depths.withLock { $0.removeValue(forKey: span.spanID) } ?? 0
        let milliseconds = Double(span.endTimeUnixNano &- span.startTimeUnixNano) / 1_000_000
        let status: String = switch span.statusCode {
            case .error: colors ? "\u{1B}[31mERROR\u{1B}[0m" : "ERROR"
            case .ok: "OK"
            case .unset: colors ? "\u{1B}[32mok\u{1B}[0m" : "ok"
        }
        // Names, values and messages come from users and models: their control characters are shown, not sent.
        let name = VisibleText.escape(span.name)
        var line = String(repeating: "  ", count: depth) + (colors ? "\u{1B}[1m\(name)\u{1B}[0m" : name)
        line += "  " + String(format: "%.3f ms", milliseconds) + "  " + status
        for key in keys {
            if let attribute = span.attributes.first(where: { $0.key == key }) { line += "  \(key)=\(VisibleText.escape(Self.text(attribute.value)))" }
        }
        if let message = span.statusMessage { line += "  error=\"\(VisibleText.escape(message))\"" }
        write((colors ? "\u{1B}[2mspan\u{1B}[0m " : "span ") + line)
    }

    public func forceFlush(timeoutSeconds: Double) {}

    static func text(_ value: TelemetryValue) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .array(let values): "[" + values.map(text).joined(separator: ",") + "]"
        }
    }
}

/// Sends every span to several processors (the exporter's and the console's).
@_spi(Pipeline) public struct MultiSpanProcessor: SpanProcessor {
    /// The processors, in order.
    public let processors: [any SpanProcessor]

    /// Creates the fan-out.
    public init(_ processors: [any SpanProcessor]) { self.processors = processors }

    public func onStart(_ context: SpanContextData) { for processor in processors { processor.onStart(context) } }

    public func onEnd(_ span: SpanData) { for processor in processors { processor.onEnd(span) } }

    public func forceFlush(timeoutSeconds: Double) { for processor in processors { processor.forceFlush(timeoutSeconds: timeoutSeconds) } }
}
