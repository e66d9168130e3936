import Synchronization

/// A deterministic model that needs no network: the default provider.
///
/// It recognises the toy workflows' prompts: a critique request (its system prompt asks for a JSON
/// `decision`) is answered with `revise` until the draft has had ``Options/revisionsBeforePass``
/// revisions, then `pass`; other requests get a draft built from the prompt. Token counts are about
/// one per four characters. With a ``Options/faultRate`` above 0 it throws transient HTTP 503 errors,
/// decided by a hash of the seed and the call's origin (the run's position in its batch when the caller sets
/// ``LLMCallOrigin/workflowOrdinal``, else its id; step, execution, try), so the same command and seed give
/// the same faults; only the first ``Options/maxConsecutiveFaults`` tries of a call
/// can fail, so a step with more tries always gets through.
public struct OfflineLLMProvider: LLMProvider {
    /// How the offline model behaves.
    public struct Options: Sendable, Equatable {
        /// Revisions the critic asks for before it passes a draft. Default 1.
        public var revisionsBeforePass: Int
        /// The share of calls, 0 to 1, that fail with a transient error. Default 0.
        public var faultRate: Double
        /// The seed of the fault decisions. Default 0.
        public var seed: UInt64
        /// The most consecutive tries of one call that may fail. Default 2.
        public var maxConsecutiveFaults: Int
        /// The critic's reply instead of its JSON verdict, to exercise malformed replies; nil for the verdict.
        public var critiqueReplyOverride: String?

        /// Creates options.
        public init(
            revisionsBeforePass: Int = 1, faultRate: Double = 0, seed: UInt64 = 0, maxConsecutiveFaults: Int = 2,
            critiqueReplyOverride: String? = nil
        ) {
            self.revisionsBeforePass = revisionsBeforePass
            self.faultRate = faultRate
            self.seed = seed
            self.maxConsecutiveFaults = maxConsecutiveFaults
            self.critiqueReplyOverride = critiqueReplyOverride
        }
    }

    public let model = "offline-deterministic"
    public let system = "offline"
    /// How the model behaves.
    public let options: Options
    private let calls = Counter()

    /// Creates the offline model.
    public init(options: Options = Options()) { self.options = options }

    /// Calls answered so far, faults included.
    public var callCount: Int { calls.value }

    public func complete(_ request: LLMRequest) async throws(ECLError) -> LLMResponse {
        let sequence = calls.next()
        if shouldFail(sequence: sequence) {
            throw .llm(message: "offline provider: injected transient failure (overloaded)", status: 503)
        }
        let prompt = request.messages.map(\.content).joined(separator: "\n")
        let content: String
        if request.systemPrompt?.contains("\"decision\"") == true {
            content = options.critiqueReplyOverride ?? critique(prompt)
        } else if let feedback = Self.value(after: "Feedback: ", in: prompt) {
            let revision = Self.value(after: "Revision: ", in: prompt) ?? "1"
            let topic = Self.value(after: "Topic: ", in: prompt) ?? "the topic"
            content = "\(topic): a clearer, tighter paragraph (revision \(revision)), having addressed: \(feedback)"
        } else {
            let topic = prompt.replacingFirst("Write a short paragraph about: ", with: "")
            content = "\(topic): a first draft that states the idea, gives one example and ends with a takeaway."
        }
        let input = ((request.systemPrompt?.count ?? 0) + prompt.count) / 4 + 1
        return LLMResponse(content: content, usage: TokenUsage(input: input, output: content.count / 4 + 1), stopReason: "end_turn")
    }

    private func critique(_ prompt: String) -> String {
        let round = Int(Self.value(after: "Review round: ", in: prompt) ?? "1") ?? 1
        if round <= options.revisionsBeforePass {
            return #"{"decision":"revise","critique":"The draft is vague in round \#(round).","feedback":"Add a concrete example and cut filler."}"#
        }
        return #"{"decision":"pass","critique":"Clear and specific.","feedback":""}"#
    }

    private func shouldFail(sequence: UInt64) -> Bool {
        guard options.faultRate > 0 else { return false }
        var key = options.seed
        if let origin = LLMCallOrigin.current {
            guard origin.attempt <= options.maxConsecutiveFaults else { return false }
            // The workflow's position when its caller gives one (the same command gives the same faults
            // whatever the random ids), else its id.
            let workflow = LLMCallOrigin.workflowOrdinal.map { "#\($0)" } ?? origin.workflowId.description
            for byte in "\(workflow)|\(origin.stepId)|\(origin.executionIndex)|\(origin.attempt)".utf8 {
                key = (key ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        } else {
            key ^= sequence
        }
        return Double(SplitMix64.mix(key) >> 11) / Double(1 << 53) < options.faultRate
    }

    /// The rest of the line after `marker`, or nil when the marker is absent.
    static func value(after marker: String, in text: String) -> String? {
        guard let range = text.range(of: marker) else { return nil }
        let rest = text[range.upperBound...]
        return String(rest.prefix { $0 != "\n" })
    }
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit key.
enum SplitMix64 {
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let count = Atomic<UInt64>(0)

    /// Returns the next value, from 0.
    func next() -> UInt64 { count.wrappingAdd(1, ordering: .relaxed).oldValue }

    var value: Int { Int(count.load(ordering: .relaxed)) }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
