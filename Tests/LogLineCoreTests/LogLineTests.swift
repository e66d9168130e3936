import Foundation
import LogLineCore
import Logging
import Synchronization
import Testing

/// Keeps every line it is given.
final class KeptLines: LogLineOutput {
    private let lines = Mutex<[LogLine]>([])
    func write(_ line: LogLine) { lines.withLock { $0.append(line) } }
    var all: [LogLine] { lines.withLock { $0 } }
}

struct Failure: Error, CustomStringConvertible {
    var description: String { "disk full" }
}

@Suite struct LogLineTests {
    static let order = FieldOrder(leadingKeys: ["workflow_id", "step_id", "attempt"])

    func logger(_ outputs: [any LogLineOutput], context: Logger.Metadata = [:], trace: LogTraceContext? = nil) -> Logger {
        let provider = Logger.MetadataProvider { context }
        var read: (@Sendable () -> LogTraceContext?)?
        if let trace { read = { trace } }
        return Logger(label: "test.label") { [read] label in
            LogLineHandler(label: label, level: .info, outputs: outputs, order: Self.order, metadataProvider: provider, traceContext: read)
        }
    }

    @Test func theCallWinsOverTheLoggerWhichWinsOverTheContext() {
        let kept = KeptLines()
        var log = logger([kept], context: ["workflow_id": "from-context", "step_id": "s1", "shared": "context"])
        log[metadataKey: "shared"] = "logger"
        log[metadataKey: "step_id"] = "from-logger"
        log.info("m", metadata: ["shared": "call", "zeta": "z", "alpha": "a"])
        let line = kept.all[0]
        let fields = line.orderedFields.map { "\($0.key)=\($0.value)" }
        #expect(fields == ["workflow_id=from-context", "step_id=from-logger", "alpha=a", "shared=call", "zeta=z"])
        #expect(line.field("shared") == "call")
        #expect(line.field("step_id") == "from-logger")
        #expect(line.field("missing") == nil)
        #expect(line.label == "test.label")
        #expect(line.level == .info)
        #expect(line.message == "m")
        #expect(line.file.hasSuffix("LogLineTests.swift"))
        #expect(line.line > 0)
    }

    @Test func anErrorIsAFieldUnlessOneHasItsName() {
        let kept = KeptLines()
        let log = logger([kept])
        log.error("failed", error: Failure())
        log.error("failed", error: Failure(), metadata: ["error": "named"])
        #expect(kept.all[0].orderedFields.map(\.key) == ["error"])
        #expect(kept.all[0].field("error") == "disk full")
        #expect(kept.all[1].orderedFields.count == 1)
        #expect(kept.all[1].field("error") == "named")
    }

    @Test func oneCaptureGoesToEveryOutputWithTheSpanWhenAsked() {
        let first = KeptLines()
        let second = KeptLines()
        let trace = LogTraceContext(traceIDHigh: 1, traceIDLow: 2, spanID: 3, flags: 0)
        logger([first, second], trace: trace).info("once")
        #expect(first.all.count == 1)
        #expect(second.all.count == 1)
        #expect(first.all[0].timeUnixNano == second.all[0].timeUnixNano)
        #expect(first.all[0].trace == trace)
        #expect(logger([first]).handler.logLevel == .info)
        let untraced = KeptLines()
        logger([untraced]).info("no span")
        #expect(untraced.all[0].trace == nil)
    }

    @Test func belowTheLevelNothingIsCaptured() {
        let kept = KeptLines()
        logger([kept]).debug("quiet")
        #expect(kept.all.isEmpty)
    }

    @Test func theLevelTableGoesBothWays() {
        for level in Logger.Level.allCases {
            #expect(LogLevelTable.level(named: LogLevelTable.name(level)) == level)
            #expect(LogLevelTable.level(severityNumber: LogLevelTable.severity(level).number) == level)
        }
        #expect(LogLevelTable.level(named: "WARNING") == .warning)
        #expect(LogLevelTable.level(named: "loud") == nil)
        #expect(LogLevelTable.level(severityNumber: 0) == .info)
        #expect(LogLevelTable.level(severityNumber: 24) == .critical)
        #expect(LogLevelTable.severity(.warning) == (13, "WARN"))
        #expect(LogLevelTable.displayName(.critical) == "CRITICAL")
        // A record without a severity number is read by its text.
        #expect(LogLevelTable.level(severityNumber: 0, text: "FATAL") == .critical)
        #expect(LogLevelTable.level(severityNumber: 0, text: "INFO2") == .notice)
        #expect(LogLevelTable.level(severityNumber: -1, text: "warn") == .warning)
        #expect(LogLevelTable.level(severityNumber: 0, text: "LOUD") == .info)
        #expect(LogLevelTable.level(severityNumber: 0, text: nil) == .info)
        #expect(LogLevelTable.level(severityNumber: 17, text: "DEBUG") == .error)
    }

    @Test func oneConversionOfValues() {
        #expect(Logger.MetadataValue.stringConvertible(3).scalar == .int(3))
        #expect(Logger.MetadataValue.stringConvertible(UInt64.max).scalar == .string("18446744073709551615"))
        #expect(Logger.MetadataValue.stringConvertible(UInt.max).scalar == .string("18446744073709551615"))
        #expect(Logger.MetadataValue.stringConvertible(Float(1.5)).scalar == .double(1.5))
        #expect(Logger.MetadataValue.stringConvertible(Float.infinity).scalar == .double(.infinity))
        #expect(Logger.MetadataValue.stringConvertible(Float(0.1)).scalar == .double(0.1))
        #expect(Logger.MetadataValue.stringConvertible(Float(0.1)).text == "0.1")
        var json: [UInt8] = []
        json.append(jsonValue: .array([.stringConvertible(Double.nan), .stringConvertible(-Double.infinity), .stringConvertible(1e-5)]))
        #expect(String(decoding: json, as: UTF8.self) == #"["nan","-inf",1e-05]"#)
        #expect(Logger.MetadataValue.stringConvertible(true).scalar == .bool(true))
        #expect(Logger.MetadataValue.array(["a"]).scalar == nil)
        #expect(Logger.MetadataValue.dictionary(["b": .stringConvertible(2), "a": "x"]).text == #"{"a":"x","b":2}"#)
        #expect(Logger.MetadataValue.stringConvertible(2.5).text == "2.5")
        #expect(Logger.MetadataValue.stringConvertible(false).text == "false")
        #expect(Logger.MetadataValue.stringConvertible(Int64(-7)).text == "-7")
    }

    @Test func aLineRenderedWhileAnotherIsRenderedOnTheSameThreadKeepsItsOwnBuffer() {
        // A value whose description logs: the inner line is rendered in the middle of the outer one.
        let kept = KeptLines()
        let formatter = LineFormatter(format: .compact, includeTimestamps: false)
        struct Nested: CustomStringConvertible, Sendable {
            let formatter: LineFormatter
            var description: String {
                let inner = LogLine(timeUnixNano: 0, level: .info, label: "inner", message: "inner message")
                return formatter.withRendered(inner) { String(decoding: $0, as: UTF8.self) }
            }
        }
        let outer = LogLine(
            timeUnixNano: 0, level: .info, label: "outer", message: "outer message",
            fields: ["nested": .stringConvertible(Nested(formatter: formatter))])
        let text = formatter.withRendered(outer) { String(decoding: $0, as: UTF8.self) }
        #expect(text == #"level=info logger=outer msg="outer message" nested="level=info logger=inner msg=\"inner message\"""#)
        let again = formatter.withRendered(outer) { String(decoding: $0, as: UTF8.self) }
        #expect(again == text)
        #expect(kept.all.isEmpty)
    }

    @Test func aHugeLineIsRenderedAndItsBufferNotKept() {
        let formatter = LineFormatter(format: .json, includeTimestamps: false)
        let huge = LogLine(timeUnixNano: 0, level: .info, label: "l", message: String(repeating: "x", count: 200_000))
        #expect(formatter.withRendered(huge) { $0.count } > 200_000)
        let small = LogLine(timeUnixNano: 0, level: .info, label: "l", message: "m")
        #expect(formatter.withRendered(small) { String(decoding: $0, as: UTF8.self) } == #"{"level":"info","logger":"l","message":"m"}"#)
    }

    @Test func theTimestampIsRightAcrossSecondsAndDays() {
        let formatter = LineFormatter(format: .compact)
        func stamp(_ nanos: UInt64) -> String {
            let line = LogLine(timeUnixNano: nanos, level: .info, label: "l", message: "m")
            let text = formatter.withRendered(line) { String(decoding: $0, as: UTF8.self) }
            return String(text.split(separator: " ")[0].dropFirst(3))
        }
        #expect(stamp(1_764_115_199_999_999_000) == "2025-11-25T23:59:59.999999Z")
        #expect(stamp(1_764_115_200_000_001_000) == "2025-11-26T00:00:00.000001Z")
        #expect(stamp(1_764_115_199_000_000_000) == "2025-11-25T23:59:59.000000Z")
        #expect(stamp(0) == "1970-01-01T00:00:00.000000Z")
    }
}
