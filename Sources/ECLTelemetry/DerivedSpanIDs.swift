import ECLCore
@_spi(Pipeline) import OTLPExporter

/// ECL's ID policy: the trace id is the workflow_id's 16 bytes; span ids are a stable hash, so the same
/// workflow, step, execution and attempt always get the same ids, in any process, on any machine, and a
/// replayed spool carries the ids it had.
///
/// The hash, reproducible in any language (test vectors in the README):
/// - `H(bytes)` = `mix(fnv1a64(bytes))`, where `fnv1a64` is 64-bit FNV-1a (offset 0xcbf29ce484222325,
///   prime 0x100000001b3) and `mix(z)`: `z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) *
///   0x94d049bb133111eb; z ^ (z >> 31)` (SplitMix64's finaliser, wrapping multiplication); a zero result is
///   replaced by 0x9e3779b97f4a7c15, so an id is never zero.
/// - workflow span: `H("ecl.workflow" ‖ 0x00 ‖ uuid[16])`
/// - step span: `H("ecl.step" ‖ 0x00 ‖ uuid[16] ‖ utf8(step_id) ‖ 0x00 ‖ u32be(execution_index) ‖ u32be(attempt))`
/// - any other span in a workflow (model calls, database operations, libraries' spans):
///   `H("ecl.child" ‖ 0x00 ‖ u64be(parent_span_id) ‖ u32be(sequence))`, `sequence` counting the parent's
///   children from 0 in the order they start.
/// Spans outside any workflow get random ids.
@_spi(Pipeline) public struct DerivedSpanIDs: SpanIDPolicy {
    /// Creates the policy.
    public init() {}

    public func ids(for request: SpanIDRequest) -> (traceID: TraceID, spanID: SpanID)? {
        guard let correlation = request.context.eclCorrelation, let traceID = Self.traceID(for: correlation.workflowId) else {
            return nil
        }
        if request.operationName == correlation.spanName {
            if let stepId = correlation.stepId {
                let id = Self.stepSpanID(
                    workflowId: correlation.workflowId, stepId: stepId, executionIndex: correlation.executionIndex ?? 0,
                    attempt: correlation.attempt ?? 1)
                return (traceID, id)
            }
            return (traceID, Self.workflowSpanID(correlation.workflowId))
        }
        if let parent = request.parent, parent.traceID == traceID {
            return (traceID, Self.childSpanID(parent: parent.spanID, sequence: request.childSequence))
        }
        return (traceID, .random())
    }

    /// Only workflows are sampled: a trace outside any (a store's maintenance, a command reading the store)
    /// is always kept.
    public func isSampled(_ request: SpanIDRequest) -> Bool { request.context.eclCorrelation != nil }

    /// The trace id of a workflow: its UUID's bytes (nil for the all-zero UUID, which no trace may use).
    public static func traceID(for workflowId: WorkflowId) -> TraceID? {
        let (high, low) = halves(workflowId)
        return TraceID(high: high, low: low)
    }

    /// The workflow's own span.
    public static func workflowSpanID(_ workflowId: WorkflowId) -> SpanID {
        var hasher = SpanIDHasher()
        hasher.add("ecl.workflow")
        hasher.add(workflowId)
        return hasher.id
    }

    /// One try of one execution of one step.
    public static func stepSpanID(workflowId: WorkflowId, stepId: StepId, executionIndex: Int, attempt: Int) -> SpanID {
        var hasher = SpanIDHasher()
        hasher.add("ecl.step")
        hasher.add(workflowId)
        hasher.add(stepId.rawValue)
        hasher.add(bigEndian: UInt32(truncatingIfNeeded: executionIndex))
        hasher.add(bigEndian: UInt32(truncatingIfNeeded: attempt))
        return hasher.id
    }

    /// The `sequence`-th child of `parent`.
    public static func childSpanID(parent: SpanID, sequence: UInt32) -> SpanID {
        var hasher = SpanIDHasher()
        hasher.add("ecl.child")
        hasher.add(bigEndian: parent.value)
        hasher.add(bigEndian: sequence)
        return hasher.id
    }

    /// A UUID's 16 bytes as two big-endian halves.
    static func halves(_ id: WorkflowId) -> (UInt64, UInt64) {
        withUnsafeBytes(of: id.uuid.uuid) { bytes in
            (UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}

/// `H` computed as the bytes come, without building them: FNV-1a 64 over the bytes, SplitMix64's finaliser at
/// the end. Strings are added with the 0x00 that ends them in the hashed text.
struct SpanIDHasher {
    private var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x100_0000_01b3
    }

    /// The text's UTF-8, then 0x00.
    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte) }
        add(0)
    }

    /// The UUID's 16 bytes.
    mutating func add(_ id: WorkflowId) {
        let (high, low) = DerivedSpanIDs.halves(id)
        add(bigEndian: high)
        add(bigEndian: low)
    }

    mutating func add(bigEndian number: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { add(UInt8(truncatingIfNeeded: number >> UInt32(shift))) }
    }

    mutating func add(bigEndian number: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { add(UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
    }

    /// The id: the finaliser applied; never zero.
    var id: SpanID {
        var mixed = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        mixed ^= mixed >> 31
        return SpanID(mixed) ?? SpanID(0x9e37_79b9_7f4a_7c15)!
    }
}
