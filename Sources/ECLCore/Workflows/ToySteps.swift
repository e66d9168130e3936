import Foundation

/// The toy workflows' input: what to write about.
public struct TopicInput: Codable, Sendable, Equatable {
    /// The longest topic accepted, in characters.
    public static let maxLength = 500

    /// What to write about: not empty, at most ``maxLength`` characters.
    public var topic: String

    /// Creates an input.
    public init(topic: String) { self.topic = topic }

    /// A `.validation` error naming `topic` when it is empty (or only spaces) or too long; nil when valid.
    public func validate() -> ECLError? {
        if topic.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .validation(field: "topic", message: "must not be empty")
        }
        if topic.count > Self.maxLength {
            return .validation(field: "topic", message: "is \(topic.count) characters; at most \(Self.maxLength) are accepted")
        }
        return nil
    }
}

/// A piece of writing and how many revisions made it.
public struct Draft: Codable, Sendable, Equatable {
    /// The text.
    public var text: String
    /// 0 for the first draft, then 1, 2, … after each revision.
    public var revision: Int

    /// Creates a draft.
    public init(text: String, revision: Int) {
        self.text = text
        self.revision = revision
    }
}

/// The critic's verdict.
public struct Critique: Codable, Sendable, Equatable {
    /// Accept the draft, or ask for a revision.
    public enum Decision: String, Codable, Sendable { case pass, revise }

    /// The verdict.
    public var decision: Decision
    /// What works and what does not.
    public var critique: String
    /// What to change (may be empty when passing).
    public var feedback: String

    /// Creates a verdict.
    public init(decision: Decision, critique: String, feedback: String) {
        self.decision = decision
        self.critique = critique
        self.feedback = feedback
    }

    /// Parses the critic's reply: a JSON object, optionally inside a ```json fence or surrounded by prose.
    /// A malformed reply is a `.validation` error naming the field at fault.
    public static func parse(_ reply: String) throws(ECLError) -> Critique {
        guard let start = reply.firstIndex(of: "{"), let end = reply.lastIndex(of: "}"), start < end,
            let object = try? JSONDecoder().decode(JSONValue.self, from: Data(reply[start...end].utf8)),
            case .object(let members) = object
        else {
            throw .validation(field: "reply", message: "not a JSON object: \(reply.prefix(80))")
        }
        guard let decisionValue = members["decision"] else {
            throw .validation(field: "decision", message: "missing; expected \"pass\" or \"revise\"")
        }
        guard let decisionText = decisionValue.stringValue, let decision = Decision(rawValue: decisionText.lowercased()) else {
            throw .validation(field: "decision", message: "got \(JSONText.encode(decisionValue)); expected \"pass\" or \"revise\"")
        }
        guard let critique = members["critique"]?.stringValue else {
            throw .validation(field: "critique", message: "missing or not a string")
        }
        let feedback: String
        switch members["feedback"] {
        case .string(let text)?: feedback = text
        case nil, .null?: feedback = ""
        default: throw .validation(field: "feedback", message: "not a string")
        }
        if decision == .revise, feedback.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw .validation(field: "feedback", message: "must say what to change when the decision is \"revise\"")
        }
        return Critique(decision: decision, critique: critique, feedback: feedback)
    }
}

/// The critic's input: the draft to judge.
public struct CritiqueInput: Codable, Sendable, Equatable {
    /// What the draft is about.
    public var topic: String
    /// The draft.
    public var draft: Draft

    /// Creates an input.
    public init(topic: String, draft: Draft) {
        self.topic = topic
        self.draft = draft
    }
}

/// The editor's input: the draft and what to change.
public struct ReviseInput: Codable, Sendable, Equatable {
    /// What the draft is about.
    public var topic: String
    /// The draft to revise.
    public var draft: Draft
    /// What to change.
    public var feedback: String

    /// Creates an input.
    public init(topic: String, draft: Draft, feedback: String) {
        self.topic = topic
        self.draft = draft
        self.feedback = feedback
    }
}

/// The retry policy of the toy steps: 3 tries, 0.2 s then doubling, capped at 2 s.
public let toyRetryPolicy = RetryPolicy.exponential(maxAttempts: 3, initialDelay: 0.2, maxDelay: 2)

/// Calls the model and turns a thrown error into a failed step result.
func ask(_ context: StepContext, _ request: LLMRequest) async -> Result<LLMResponse, ECLError> {
    do throws(ECLError) { return .success(try await context.complete(request)) } catch { return .failure(error) }
}

/// Writes the first draft.
public struct GenerateStep: Step {
    public let id: StepId = "generate"
    public let name = "Generate draft"
    public let retryPolicy: RetryPolicy

    /// Creates the step.
    public init(retryPolicy: RetryPolicy = toyRetryPolicy) { self.retryPolicy = retryPolicy }

    public func validateInput(_ input: TopicInput) -> ECLError? { input.validate() }

    public func validateOutput(_ output: Draft) -> ECLError? {
        output.text.isEmpty ? .validation(field: "text", message: "the model returned an empty draft") : nil
    }

    public func execute(context: StepContext, input: TopicInput) async -> StepResult<Draft> {
        let request = LLMRequest(
            systemPrompt: ToyPrompts.generateSystem.text,
            messages: [.user(ToyPrompts.generateUser.render(["topic": input.topic]))], maxTokens: 512)
        switch await ask(context, request) {
        case .success(let response): return .success(Draft(text: response.content, revision: 0))
        case .failure(let error): return .failed(error, retryable: error.isRetryable)
        }
    }
}

/// Judges a draft; asks for a revision when the critic says so.
public struct CritiqueStep: Step {
    public let id: StepId = "critique"
    public let name = "Critique draft"
    public let retryPolicy: RetryPolicy

    /// Creates the step.
    public init(retryPolicy: RetryPolicy = toyRetryPolicy) { self.retryPolicy = retryPolicy }

    public func execute(context: StepContext, input: CritiqueInput) async -> StepResult<Critique> {
        let request = LLMRequest(
            systemPrompt: ToyPrompts.critiqueSystem.text,
            messages: [.user(ToyPrompts.critiqueUser.render([
                "topic": input.topic, "draft": input.draft.text, "attempt": "\(input.draft.revision + 1)",
            ]))],
            maxTokens: 512, temperature: 0)
        switch await ask(context, request) {
        case .failure(let error): return .failed(error, retryable: error.isRetryable)
        case .success(let response):
            do throws(ECLError) {
                let critique = try Critique.parse(response.content)
                return critique.decision == .pass ? .success(critique) : .needsRevision(critique, feedback: critique.feedback)
            } catch {
                return .failed(error, retryable: false)
            }
        }
    }
}

/// Rewrites a draft to answer the critic's feedback.
public struct ReviseStep: Step {
    public let id: StepId = "revise"
    public let name = "Revise draft"
    public let retryPolicy: RetryPolicy

    /// Creates the step.
    public init(retryPolicy: RetryPolicy = toyRetryPolicy) { self.retryPolicy = retryPolicy }

    public func validateOutput(_ output: Draft) -> ECLError? {
        output.text.isEmpty ? .validation(field: "text", message: "the model returned an empty draft") : nil
    }

    public func execute(context: StepContext, input: ReviseInput) async -> StepResult<Draft> {
        let revision = input.draft.revision + 1
        let request = LLMRequest(
            systemPrompt: ToyPrompts.reviseSystem.text,
            messages: [.user(ToyPrompts.reviseUser.render([
                "topic": input.topic, "draft": input.draft.text, "feedback": input.feedback, "attempt": "\(revision)",
            ]))],
            maxTokens: 512)
        switch await ask(context, request) {
        case .success(let response): return .success(Draft(text: response.content, revision: revision))
        case .failure(let error): return .failed(error, retryable: error.isRetryable)
        }
    }
}
