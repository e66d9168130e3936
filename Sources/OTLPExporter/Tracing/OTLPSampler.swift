/// Which traces are recorded and exported: the OpenTelemetry SDK's built-in samplers. A span that is not
/// sampled is not recorded (``OTLPSpan/isRecording`` is false; unless the tracer records sampled-out spans
/// for a gate that may keep a failed trace), is never exported, and carries
/// its `sampled` flag cleared (bit 0; the parent's other bits kept) to its children and over `traceparent`.
public indirect enum OTLPSampler: Sendable, Equatable, CustomStringConvertible {
    /// Every trace (`always_on`).
    case alwaysOn
    /// No trace (`always_off`).
    case alwaysOff
    /// A share of traces from 0 to 1, decided by the trace id alone (`traceidratio`): every span of a
    /// trace gets the same answer, in every process, with no parent needed. The id's low 56 bits are its
    /// randomness (W3C Trace Context Level 2); a trace is kept when they are at or above
    /// (1 − ratio) × 2⁵⁶. When the trace id is a workflow's id, a whole workflow is kept or dropped.
    case traceIDRatio(Double)
    /// The parent's decision when there is a parent (local or remote: its `sampled` flag), else `root`'s
    /// (`parentbased_*`).
    case parentBased(root: OTLPSampler)

    /// Whether a span of `traceID` under `parent` is sampled.
    public func shouldSample(traceID: TraceID, parent: SpanContextData?) -> Bool {
        switch self {
        case .alwaysOn: return true
        case .alwaysOff: return false
        case .traceIDRatio(let ratio):
            let randomness = traceID.low & 0x00FF_FFFF_FFFF_FFFF
            return randomness >= Self.threshold(ratio)
        case .parentBased(let root):
            if let parent { return parent.traceFlags & 1 == 1 }
            return root.shouldSample(traceID: traceID, parent: nil)
        }
    }

    /// The smallest 56-bit randomness kept at `ratio` (2⁵⁶ keeps none).
    static func threshold(_ ratio: Double) -> UInt64 {
        let clamped = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
        return UInt64(((1 - clamped) * 0x1p56).rounded(.up))
    }

    /// The specification's name, such as `ParentBased{root=TraceIdRatioBased{0.5}}`.
    public var description: String {
        switch self {
        case .alwaysOn: "AlwaysOnSampler"
        case .alwaysOff: "AlwaysOffSampler"
        case .traceIDRatio(let ratio): "TraceIdRatioBased{\(ratio)}"
        case .parentBased(let root): "ParentBased{root=\(root)}"
        }
    }

    /// The sampler of `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (a ratio from 0 to 1 for the ratio
    /// samplers, default 1); nil when unset or unusable (warned about).
    static func fromEnvironment(_ reader: EnvironmentReader) -> OTLPSampler? {
        let kinds: KeyValuePairs<String, String> = [
            "always_on": "always_on", "always_off": "always_off", "traceidratio": "traceidratio",
            "parentbased_always_on": "parentbased_always_on", "parentbased_always_off": "parentbased_always_off",
            "parentbased_traceidratio": "parentbased_traceidratio",
        ]
        guard let kind = reader.choice("OTEL_TRACES_SAMPLER", kinds) else { return nil }
        func ratio() -> Double {
            guard let text = reader.text("OTEL_TRACES_SAMPLER_ARG") else { return 1 }
            guard let value = Double(text), value >= 0, value <= 1 else {
                reader.reject("OTEL_TRACES_SAMPLER_ARG", text, expected: "a ratio from 0 to 1 such as 0.25 (without it, 1)")
                return 1
            }
            return value
        }
        switch kind {
        case "always_on": return .alwaysOn
        case "always_off": return .alwaysOff
        case "traceidratio": return .traceIDRatio(ratio())
        case "parentbased_always_on": return .parentBased(root: .alwaysOn)
        case "parentbased_always_off": return .parentBased(root: .alwaysOff)
        default: return .parentBased(root: .traceIDRatio(ratio()))
        }
    }
}
