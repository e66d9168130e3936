import Foundation
import JSONWriting
import LogLineCore
import Logging
import Testing

@Suite struct LineFormatterTests {
    static let ecl = FieldOrder(leadingKeys: ["workflow_id", "workflow_name", "step_id", "step_name", "attempt"])

    let record = LogLine(
        timeUnixNano: 1_764_081_908_123_456_789, level: .warning, label: "ECLCore.Executor",
        message: "Retry \"quoted\" \\ back\nnew\tline \u{01} é 😀",
        fields: [
            "attempt": .stringConvertible(2), "duration_ms": .stringConvertible(12.5), "ok": .stringConvertible(true),
            "workflow_id": "3f2b8c1e-1234-4abc-9def-00112233aabb", "text": "a b=c", "count_text": "42",
            "list": .array(["x", .stringConvertible(1)]), "nested": .dictionary(["k": "v"]), "level": "shadowed",
        ],
        file: "ECLCore/StepExecutor.swift", line: 42, order: ecl)

    func json(_ formatter: LineFormatter) throws -> [String: Any] {
        let line = formatter.render(record)
        return try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    @Test func jsonLineHasTypedFieldsAndEscapes() throws {
        let object = try json(LineFormatter(format: .json, includeLocation: true))
        #expect(object["timestamp"] as? String == "2025-11-25T14:45:08.123456Z")
        #expect(object["level"] as? String == "warn")
        #expect(object["logger"] as? String == "ECLCore.Executor")
        #expect(object["message"] as? String == record.message)
        #expect(object["attempt"] as? Int == 2)
        #expect(object["duration_ms"] as? Double == 12.5)
        #expect(object["ok"] as? Bool == true)
        #expect(object["count_text"] as? String == "42")
        #expect(object["text"] as? String == "a b=c")
        #expect((object["list"] as? [Any])?.count == 2)
        #expect((object["nested"] as? [String: String]) == ["k": "v"])
        #expect(object["field.level"] as? String == "shadowed")
        #expect(object["file"] as? String == "ECLCore/StepExecutor.swift")
        #expect(object["line"] as? Int == 42)
        let text = String(decoding: LineFormatter(format: .json).render(record), as: UTF8.self)
        #expect(text.hasPrefix(#"{"timestamp":"2025-11-25T14:45:08.123456Z","level":"warn","logger":"ECLCore.Executor","message":"#))
        #expect(text.contains(#""workflow_id":"3f2b8c1e-1234-4abc-9def-00112233aabb","attempt":2,"#))
        #expect(text.contains(#"\u0001"#))
        #expect(!text.contains("\n"))
    }

    @Test func fieldsComeCorrelationFirstThenByName() {
        #expect(record.orderedFields.map(\.key) == ["workflow_id", "attempt", "count_text", "duration_ms", "level", "list", "nested", "ok", "text"])
        let correlationOnly = LogLine(
            timeUnixNano: 0, level: .info, label: "l", message: "m",
            fields: ["step_id": "s", "workflow_id": "w", "attempt": .stringConvertible(1)], order: Self.ecl)
        #expect(correlationOnly.orderedFields.map(\.key) == ["workflow_id", "step_id", "attempt"])
        let none = LogLine(timeUnixNano: 0, level: .info, label: "l", message: "m", fields: ["b": "2", "a": "1"])
        #expect(none.orderedFields.map(\.key) == ["a", "b"])
    }

    @Test func jsonWithoutTimestampOrLocation() throws {
        let object = try json(LineFormatter(format: .json, includeTimestamps: false, includeLocation: false))
        #expect(object["timestamp"] == nil)
        #expect(object["file"] == nil)
    }

    @Test func compactIsGreppableLogfmt() {
        let text = String(decoding: LineFormatter(format: .compact, includeLocation: true).render(record), as: UTF8.self)
        #expect(text.hasPrefix("ts=2025-11-25T14:45:08.123456Z level=warn logger=ECLCore.Executor msg=\"Retry \\\"quoted\\\""))
        #expect(text.contains(" workflow_id=3f2b8c1e-1234-4abc-9def-00112233aabb attempt=2 "))
        #expect(text.contains(#" text="a b=c""#))
        #expect(text.contains(#" nested="{\"k\":\"v\"}""#))
        #expect(text.contains(" ok=true "))
        #expect(text.hasSuffix(" at=ECLCore/StepExecutor.swift:42"))
        #expect(!text.contains("\n"))
    }

    @Test func noFieldCanPassForTheLinesOwnOrSplitAPair() {
        let spoof = LogLine(
            timeUnixNano: 0, level: .info, label: "l", message: "m",
            fields: ["msg": "SPOOFED", "level": "error", "ts": "1999", "logger": "x", "at": "y", "a b": "1", "x=y": "2", "": "3", "k\"": "4"])
        let text = String(decoding: LineFormatter(format: .compact, includeTimestamps: false).render(spoof), as: UTF8.self)
        #expect(text == #"level=info logger=l msg="m" ""=3 "a b"=1 field.at=y "k\""=4 field.level=error field.logger=x field.msg=SPOOFED field.ts=1999 "x=y"=2"#)
        // A field literally named like a renamed one keeps its own key.
        let both = LogLine(timeUnixNano: 0, level: .info, label: "l", message: "m", fields: ["level": "a", "field.level": "b"])
        let json = String(decoding: LineFormatter(format: .json, includeTimestamps: false).render(both), as: UTF8.self)
        #expect(json == #"{"level":"info","logger":"l","message":"m","field.field.level":"b","field.level":"a"}"#)
        let compact = String(decoding: LineFormatter(format: .compact, includeTimestamps: false).render(both), as: UTF8.self)
        #expect(compact == #"level=info logger=l msg="m" field.field.level=b field.level=a"#)
        let pretty = String(decoding: LineFormatter(format: .pretty, includeTimestamps: false).render(spoof), as: UTF8.self)
        #expect(pretty.contains(#" "a b"=1"#) && pretty.contains(#" "x=y"=2"#))
    }

    @Test func prettyReadsAtAGlance() {
        let plain = String(decoding: LineFormatter(format: .pretty).render(record), as: UTF8.self)
        #expect(plain.hasPrefix("14:45:08.123 WARN  Retry"))
        #expect(plain.contains("  workflow_id=3f2b8c1e-1234-4abc-9def-00112233aabb attempt=2"))
        #expect(!plain.contains("\u{1B}["))
        let colored = String(decoding: LineFormatter(format: .pretty, includeLocation: true, colors: true).render(record), as: UTF8.self)
        #expect(colored.contains("\u{1B}[33mWARN\u{1B}[0m"))
        #expect(colored.contains("(ECLCore/StepExecutor.swift:42)"))
        let untimed = String(decoding: LineFormatter(format: .pretty, includeTimestamps: false).render(record), as: UTF8.self)
        #expect(untimed.hasPrefix("WARN  "))
    }

    @Test func noFormatSendsAControlCharacterToTheTerminal() throws {
        // ESC (recolour), BEL, a newline (a fake line), DEL and a C1 CSI, in the message, a key and a value.
        let hostile = "a\u{1B}[31mred\u{07}\nfake\u{7F}\u{9B}2J é\u{202E}rtl\u{FEFF}\u{2028}"
        let record = LogLine(
            timeUnixNano: 1_000_000_000, level: .info, label: "t", message: hostile, fields: ["k\u{1B}": .string(hostile)], file: "f", line: 1)
        for format in [LogFormat.pretty, .compact, .json] {
            let line = LineFormatter(format: format).render(record)
            let text = String(decoding: line, as: UTF8.self)
            let raw = text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || [0x202E, 0xFEFF, 0x2028].contains($0.value) }
            #expect(!raw, "\(format): \(text)")
            #expect(text.contains(#"\u001b[31mred\u0007\nfake\u007f\u009b2J é\u202ertl\ufeff\u2028"#), "\(format)")
        }
        // JSON readers get the text back as it was.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(LineFormatter(format: .json).render(record))) as? [String: Any])
        #expect(object["message"] as? String == hostile)
        #expect(VisibleText.escape("plain é 😀") == "plain é 😀")
        #expect(VisibleText.escape("tab\there") == #"tab\there"#)
    }

    @Test func everyLevelHasAName() {
        let names = Logger.Level.allCases.map(LogLevelTable.name)
        #expect(names == ["trace", "debug", "info", "notice", "warn", "error", "critical"])
        for level in Logger.Level.allCases {
            var copy = record
            copy.level = level
            #expect(!LineFormatter(format: .pretty, colors: true).render(copy).isEmpty)
        }
    }

    @Test func numbersOfEveryWidthStayNumbers() throws {
        let copy = LogLine(
            timeUnixNano: 0, level: .info, label: "l", message: "m",
            fields: [
                "i64": .stringConvertible(Int64(-5)), "i32": .stringConvertible(Int32(7)), "u32": .stringConvertible(UInt32(8)),
                "u64": .stringConvertible(UInt64(9)), "u": .stringConvertible(UInt(10)), "f": .stringConvertible(Float(0.5)),
                "nan": .stringConvertible(Double.nan), "other": .stringConvertible(URL(fileURLWithPath: "/x")),
                "big": .stringConvertible(UInt64.max), "i8": .stringConvertible(Int8(-3)), "u16": .stringConvertible(UInt16(4)),
            ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(LineFormatter(format: .json).render(copy))) as? [String: Any])
        #expect(object["i64"] as? Int == -5)
        #expect(object["i32"] as? Int == 7)
        #expect(object["u32"] as? Int == 8)
        #expect(object["u64"] as? Int == 9)
        #expect(object["u"] as? Int == 10)
        #expect(object["f"] as? Double == 0.5)
        #expect(object["nan"] as? String == "nan")
        #expect(object["other"] as? String == "file:///x")
        #expect(object["big"] as? String == "18446744073709551615")
        #expect(object["i8"] as? Int == -3)
        #expect(object["u16"] as? Int == 4)
    }
}
