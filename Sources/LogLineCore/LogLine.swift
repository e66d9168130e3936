import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One log line, captured once when it is logged: every output (the console formats, an OTLP log record, a
/// SQL row) is rendered from this one capture.
///
/// Capturing copies nothing: the call's, the logger's and the context's metadata are kept as the
/// dictionaries they already are, and merged only when an output walks the fields
/// (``withOrderedFields(_:)``), in the order of ``FieldOrder``.
public struct LogLine: Sendable {
    /// One field: a key and its value.
    public struct Field: Sendable {
        /// The field's name.
        public var key: String
        /// Its value.
        public var value: Logger.MetadataValue

        /// Creates a field.
        public init(key: String, value: Logger.MetadataValue) {
            self.key = key
            self.value = value
        }
    }

    /// When it was logged, in nanoseconds since the Unix epoch.
    public var timeUnixNano: UInt64
    /// Its level.
    public var level: Logger.Level
    /// The logger's label, such as `ECLCore.Executor`.
    public var label: String
    /// The message.
    public var message: String
    /// The file that logged (`Module/File.swift`); empty when unknown.
    public var file: String
    /// The line that logged; 0 when unknown.
    public var line: UInt
    /// The span it was logged in, when an output asked for it.
    public var trace: LogTraceContext?
    /// How the fields are ordered.
    public var order: FieldOrder
    /// The call's fields: they win over the logger's and the context's.
    var callFields: Logger.Metadata
    /// The logger's own fields (`logger[metadataKey:]`).
    var loggerFields: Logger.Metadata
    /// The context's fields (the metadata provider's).
    var contextFields: Logger.Metadata
    /// The event's error, written as `error` when no field has that name.
    var error: String?

    /// A line with the given fields (for lines read back from a store or file).
    public init(
        timeUnixNano: UInt64, level: Logger.Level, label: String, message: String, fields: Logger.Metadata = [:],
        file: String = "", line: UInt = 0, trace: LogTraceContext? = nil, order: FieldOrder = FieldOrder()
    ) {
        self.timeUnixNano = timeUnixNano
        self.level = level
        self.label = label
        self.message = message
        self.file = file
        self.line = line
        self.trace = trace
        self.order = order
        callFields = fields
        loggerFields = [:]
        contextFields = [:]
    }

    /// The line a swift-log event makes: its fields are the context provider's, then the logger's, then the
    /// call's (later ones win), and the event's error as `error` when no field has that name.
    public init(
        capturing event: LogEvent, label: String, loggerFields: Logger.Metadata, contextFields: Logger.Metadata,
        timeUnixNano: UInt64 = LogLine.now(), trace: LogTraceContext? = nil, order: FieldOrder
    ) {
        self.timeUnixNano = timeUnixNano
        level = event.level
        self.label = label
        message = event.message.description
        file = event.file
        line = event.line
        self.trace = trace
        self.order = order
        callFields = event.metadata ?? [:]
        self.loggerFields = loggerFields
        self.contextFields = contextFields
        error = event.error.map { "\($0)" }
    }

    /// How many fields the line can have at most (before duplicates are merged).
    var fieldCapacity: Int { callFields.count + loggerFields.count + contextFields.count + (error == nil ? 0 : 1) }

    /// Calls `body` with the line's fields, merged (call over logger over context) and ordered: the
    /// ``FieldOrder``'s leading keys first, in their order, then the rest by name. The buffer lives on the stack
    /// for the call only.
    public func withOrderedFields<Result>(_ body: (UnsafeBufferPointer<Field>) throws -> Result) rethrows -> Result {
        let capacity = fieldCapacity
        if capacity == 0 { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try withUnsafeTemporaryAllocation(of: Field.self, capacity: capacity) { buffer in
            var count = 0
            // Gathered in precedence order, so that after a stable sort the winner of a key comes first.
            for (key, value) in callFields {
                (buffer.baseAddress! + count).initialize(to: Field(key: key, value: value))
                count += 1
            }
            for (key, value) in loggerFields {
                (buffer.baseAddress! + count).initialize(to: Field(key: key, value: value))
                count += 1
            }
            for (key, value) in contextFields {
                (buffer.baseAddress! + count).initialize(to: Field(key: key, value: value))
                count += 1
            }
            if let error {
                (buffer.baseAddress! + count).initialize(to: Field(key: "error", value: .string(error)))
                count += 1
            }
            // Sorted by index (moving a field is moving some fifty bytes): an insertion sort, since a line has
            // a handful of fields, and stable, so equal keys keep precedence order. Each field's rank is found
            // once.
            return try withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * count) { scratch in
                let ranks = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
                let sorted = UnsafeMutableBufferPointer(rebasing: scratch[count..<(2 * count)])
                let unranked = order.leadingKeys.count
                for index in 0..<count {
                    ranks[index] = order.rank(buffer[index].key)
                    var position = index
                    while position > 0 {
                        let previous = sorted[position - 1]
                        guard ranks[index] < ranks[previous]
                            || (ranks[index] == ranks[previous] && ranks[index] == unranked
                                && Self.precedes(buffer[index].key, buffer[previous].key))
                        else { break }
                        sorted[position] = previous
                        position -= 1
                    }
                    sorted[position] = index
                }
                // Moved into place in that order; of equal keys (now side by side) the first wins, the others go.
                return try withUnsafeTemporaryAllocation(of: Field.self, capacity: count) { ordered in
                    var kept = 0
                    for index in sorted {
                        if kept > 0, buffer[index].key == ordered[kept - 1].key {
                            (buffer.baseAddress! + index).deinitialize(count: 1)
                        } else {
                            (ordered.baseAddress! + kept).moveInitialize(from: buffer.baseAddress! + index, count: 1)
                            kept += 1
                        }
                    }
                    defer { ordered.baseAddress!.deinitialize(count: kept) }
                    return try body(UnsafeBufferPointer(rebasing: ordered[0..<kept]))
                }
            }
        }
    }

    /// Whether `a` sorts before `b` by their UTF-8 bytes.
    @inline(__always)
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in
                let common = min(left.count, right.count)
                let order = common == 0 ? 0 : memcmp(left.baseAddress!, right.baseAddress!, common)
                return order != 0 ? order < 0 : left.count < right.count
            }
        }.flatMap { $0 } ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The merged fields in order, as an array (for tests and for code off the hot path).
    public var orderedFields: [Field] { withOrderedFields { Array($0) } }

    /// The value of the field `key` as the outputs see it (call over logger over context, then the error).
    public func field(_ key: String) -> Logger.MetadataValue? {
        if let value = callFields[key] ?? loggerFields[key] ?? contextFields[key] { return value }
        return key == "error" ? error.map { .string($0) } : nil
    }

    /// The current wall-clock time in nanoseconds since the Unix epoch.
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
