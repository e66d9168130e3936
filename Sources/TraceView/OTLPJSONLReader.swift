#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads spans and log records from OTLP JSON lines: a `--jsonl-out` dump, a spool segment, any file of
/// `TracesData` / `LogsData` documents one a line (the OTLP file exporter's form). Lines of other signals are
/// passed over; lines that are not OTLP JSON are counted, never fatal.
public struct OTLPJSONLReader: Sendable {
    /// Only this trace's spans and records (32 hex digits), or nil for all.
    public var traceId: String?

    /// Reads only `traceId`'s spans and records, or everything.
    public init(traceId: String? = nil) { self.traceId = traceId?.lowercased() }

    /// What a file held.
    public struct Content: Sendable {
        /// The spans, in file order.
        public var spans: [TraceSpan] = []
        /// The log records, in file order.
        public var logs: [TraceLogRecord] = []
        /// The numbers (1-based) of lines that were not JSON objects.
        public var unreadableLines: [Int] = []
        /// Creates empty content.
        public init() {}
        /// Adds another file's content.
        public mutating func append(_ other: Content) {
            spans += other.spans
            logs += other.logs
            unreadableLines += other.unreadableLines
        }
    }

    /// A file that could not be opened.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        /// The file.
        public let path: String
        /// Why, as the system says it.
        public let reason: String
        /// One line: the file and why.
        public var description: String { "cannot read '\(path)': \(reason)" }
    }

    /// The longest line read (64 MiB, far past any batch an exporter writes); a longer one is passed over
    /// and counted, so an endless line (a device, a corrupt file) cannot take the memory.
    public static let maxLineBytes = 64 << 20

    /// Reads the file at `path`, line by line (a dump of any size is never held whole).
    public func read(path: String) throws(ReadError) -> Content {
        // Opened without waiting (a pipe with no writer is empty, not a hang), then read blocking as usual.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        guard let file = fdopen(descriptor, "r") else {
            close(descriptor)
            throw ReadError(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var content = Content()
        // Lines that hold the trace's id, in lower or upper case hex, are parsed; others are passed over unread.
        let needles = traceId.map { [Array($0.utf8), Array($0.uppercased().utf8)] }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var line: [UInt8] = []
        var number = 0
        var tooLong = false
        func finish() {
            number += 1
            defer { line.removeAll(keepingCapacity: line.count <= 1 << 22) }
            if tooLong {
                tooLong = false
                content.unreadableLines.append(number)
                return
            }
            guard !line.isEmpty else { return }
            let matches = line.withUnsafeBytes { bytes in needles.map { $0.contains { Self.contains(bytes, $0) } } ?? true }
            if matches { read(line: Data(line), number: number, into: &content) }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            guard count > 0 else { break }
            var start = 0
            while start < count {
                let newline = chunk[start..<count].firstIndex(of: 10)
                let end = newline ?? count
                if !tooLong {
                    if line.count + (end - start) > Self.maxLineBytes {
                        tooLong = true
                        line.removeAll()
                    } else {
                        line += chunk[start..<end]
                    }
                }
                guard newline != nil else { break }
                finish()
                start = end + 1
            }
        }
        if !line.isEmpty || tooLong { finish() }
        return content
    }

    /// Reads one line of JSON text.
    public func read(line: Data, number: Int = 1, into content: inout Content) {
        guard let document = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            content.unreadableLines.append(number)
            return
        }
        for resource in document["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    if let span = Self.span(span), traceId == nil || span.traceId == traceId { content.spans.append(span) }
                }
            }
        }
        for resource in document["resourceLogs"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeLogs"] as? [[String: Any]] ?? [] {
                for record in scope["logRecords"] as? [[String: Any]] ?? [] {
                    if let traceId, (record["traceId"] as? String)?.lowercased() != traceId { continue }
                    content.logs.append(Self.logRecord(record))
                }
            }
        }
    }

    static func span(_ object: [String: Any]) -> TraceSpan? {
        guard let traceId = object["traceId"] as? String, let spanId = object["spanId"] as? String else { return nil }
        let status = object["status"] as? [String: Any]
        let code: TraceSpan.Status = switch integer(status?["code"]) {
        case 1: .ok
        case 2: .error
        default: .unset
        }
        let parent = (object["parentSpanId"] as? String).flatMap { $0.isEmpty || $0 == "0000000000000000" ? nil : $0.lowercased() }
        let events = (object["events"] as? [[String: Any]] ?? []).map { event in
            TraceSpan.Event(
                name: event["name"] as? String ?? "", timeNanos: nanos(event["timeUnixNano"]),
                attributes: attributes(event["attributes"]))
        }
        let message = (status?["message"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return TraceSpan(
            traceId: traceId.lowercased(), spanId: spanId.lowercased(), parentSpanId: parent, name: object["name"] as? String ?? "",
            startNanos: nanos(object["startTimeUnixNano"]), endNanos: nanos(object["endTimeUnixNano"]),
            status: code, statusMessage: message, attributes: attributes(object["attributes"]), events: events)
    }

    static func logRecord(_ object: [String: Any]) -> TraceLogRecord {
        let time = nanos(object["timeUnixNano"]).nonZero ?? nanos(object["observedTimeUnixNano"])
        let number = Int(integer(object["severityNumber"]) ?? 0)
        let text = (object["severityText"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? severityName(number)
        let body = (object["body"] as? [String: Any]).map { value($0).description } ?? ""
        let spanId = (object["spanId"] as? String).flatMap { $0.isEmpty ? nil : $0.lowercased() }
        return TraceLogRecord(
            timeNanos: time, level: text, severityNumber: number, body: body, attributes: attributes(object["attributes"]),
            spanId: spanId)
    }

    /// OTLP's severity ranges by name (1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal).
    static func severityName(_ number: Int) -> String {
        switch number {
        case 1...4: "trace"
        case 5...8: "debug"
        case 9...12: "info"
        case 13...16: "warn"
        case 17...20: "error"
        case 21...24: "fatal"
        default: "unspecified"
        }
    }

    static func attributes(_ object: Any?) -> [TraceSpan.Attribute] {
        (object as? [[String: Any]] ?? []).compactMap { pair in
            guard let key = pair["key"] as? String else { return nil }
            return TraceSpan.Attribute(key, value(pair["value"] as? [String: Any] ?? [:]))
        }
    }

    /// An OTLP `AnyValue`: int64 as a string or a number, arrays and maps kept as JSON text.
    static func value(_ object: [String: Any]) -> TraceValue {
        if let text = object["stringValue"] as? String { return .string(text) }
        if let number = object["intValue"], let int = integer(number) { return .int(int) }
        if let number = object["doubleValue"] as? NSNumber { return .double(number.doubleValue) }
        if let text = object["doubleValue"] as? String, let number = Double(text) { return .double(number) }
        if let flag = object["boolValue"] as? Bool { return .bool(flag) }
        if let bytes = object["bytesValue"] as? String { return .string(bytes) }
        for key in ["arrayValue", "kvlistValue"] {
            if let nested = object[key], let data = try? JSONSerialization.data(withJSONObject: nested, options: [.sortedKeys]) {
                return .json(String(decoding: data, as: UTF8.self))
            }
        }
        return .string("")
    }

    /// An OTLP integer: a decimal string (the JSON mapping of int64 and fixed64) or a JSON number.
    static func integer(_ any: Any?) -> Int64? {
        if let text = any as? String { return Int64(text) ?? UInt64(text).map { Int64(clamping: $0) } }
        if let number = number(any) { return number.int64Value }
        return nil
    }

    /// A time in nanoseconds since the epoch: OTLP's fixed64, a string of digits or a JSON number (up to
    /// 2^64 - 1, past the year 2262 that a signed value stops at); anything else (negative, a boolean, text)
    /// is 0, no time.
    static func nanos(_ any: Any?) -> UInt64 {
        if let text = any as? String { return UInt64(text) ?? 0 }
        guard let number = number(any) else { return 0 }
        switch String(cString: number.objCType) {
        case "Q": return number.uint64Value
        case "d", "f":
            let value = number.doubleValue.rounded()
            return value.isFinite && value > 0 ? UInt64(exactly: value) ?? (value >= 0x1p64 ? .max : 0) : 0
        default: return number.int64Value > 0 ? UInt64(number.int64Value) : 0
        }
    }

    /// A JSON number, not a boolean (which Foundation also gives as an NSNumber, of type `c`).
    private static func number(_ any: Any?) -> NSNumber? {
        guard let number = any as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
        return number
    }

    /// Whether `needle` occurs in `haystack` (memchr to each candidate first byte, then memcmp).
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count, let base = haystack.baseAddress else { return needle.isEmpty }
        return needle.withUnsafeBytes { pattern in
            var offset = 0
            let last = haystack.count - needle.count
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                let position = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + position, pattern.baseAddress!, needle.count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }
}

extension UInt64 {
    /// The value, or nil for 0 (a time left out).
    var nonZero: UInt64? { self == 0 ? nil : self }
}
