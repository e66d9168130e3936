import ECLCore
import OTLPExporter

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
public struct DerivedSpanIDs: SpanIDPolicy {
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

    /// The trace id of a workflow: its UUID's bytes (nil for the all-zero UUID, which no trace may use).
    public static func traceID(for workflowId: WorkflowId) -> TraceID? {
        let uuid = workflowId.uuid.uuid
        return TraceID(bytes: [
            uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5, uuid.6, uuid.7,
            uuid.8, uuid.9, uuid.10, uuid.11, uuid.12, uuid.13, uuid.14, uuid.15,
        ])
    }

    /// The workflow's own span.
    public static func workflowSpanID(_ workflowId: WorkflowId) -> SpanID {
        var bytes = Array("ecl.workflow".utf8) + [0]
        bytes += uuidBytes(workflowId)
        return hash(bytes)
    }

    /// One try of one execution of one step.
    public static func stepSpanID(workflowId: WorkflowId, stepId: StepId, executionIndex: Int, attempt: Int) -> SpanID {
        var bytes = Array("ecl.step".utf8) + [0]
        bytes += uuidBytes(workflowId)
        bytes += Array(stepId.rawValue.utf8) + [0]
        bytes += bigEndian(UInt32(truncatingIfNeeded: executionIndex))
        bytes += bigEndian(UInt32(truncatingIfNeeded: attempt))
        return hash(bytes)
    }

    /// The `sequence`-th child of `parent`.
    public static func childSpanID(parent: SpanID, sequence: UInt32) -> SpanID {
        var bytes = Array("ecl.child".utf8) + [0]
        bytes += parent.bytes
        bytes += bigEndian(sequence)
        return hash(bytes)
    }

    /// `H(bytes)`: FNV-1a 64, then SplitMix64's finaliser; never zero.
    public static func hash(_ bytes: [UInt8]) -> SpanID {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        value ^= value >> 31
        return SpanID(value) ?? SpanID(0x9e37_79b9_7f4a_7c15)!
    }

    static func uuidBytes(_ id: WorkflowId) -> [UInt8] { traceID(for: id)?.bytes ?? Array(repeating: 0, count: 16) }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
}
