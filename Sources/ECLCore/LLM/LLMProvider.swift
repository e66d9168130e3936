/// One message in a conversation with a model.
public struct LLMMessage: Sendable, Codable, Equatable {
    /// Who speaks.
    public enum Role: String, Sendable, Codable { case user, assistant }

    /// Who speaks.
    public var role: Role
    /// What is said.
    public var content: String

    /// Creates a message.
    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    /// A user message.
    public static func user(_ content: String) -> LLMMessage { LLMMessage(role: .user, content: content) }
}

/// A request to a model.
public struct LLMRequest: Sendable, Codable, Equatable {
    /// Instructions that frame the conversation; nil for none.
    public var systemPrompt: String?
    /// The conversation so far, oldest first.
    public var messages: [LLMMessage]
    /// The most tokens the reply may use.
    public var maxTokens: Int
    /// Sampling temperature, 0 to 1.
    public var temperature: Double
    /// Text at which the model stops.
    public var stopSequences: [String]

    /// Creates a request.
    public init(
        systemPrompt: String? = nil, messages: [LLMMessage], maxTokens: Int = 1024,
        temperature: Double = 0.7, stopSequences: [String] = []
    ) {
        self.systemPrompt = systemPrompt
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stopSequences = stopSequences
    }
}

/// Tokens a call consumed.
public struct TokenUsage: Sendable, Codable, Equatable {
    /// Tokens in the prompt.
    public var input: Int
    /// Tokens in the reply.
    public var output: Int

    /// Creates a usage record.
    public init(input: Int, output: Int) {
        self.input = input
        self.output = output
    }

    /// Input and output together.
    public var total: Int { input + output }
}

/// A model's reply.
public struct LLMResponse: Sendable, Codable, Equatable {
    /// The reply's text.
    public var content: String
    /// Tokens used.
    public var usage: TokenUsage
    /// Why the model stopped, such as `end_turn`, `max_tokens` or `stop_sequence`.
    public var stopReason: String

    /// Creates a reply.
    public init(content: String, usage: TokenUsage, stopReason: String) {
        self.content = content
        self.usage = usage
        self.stopReason = stopReason
    }
}

/// A language model behind one interface: the offline deterministic model or Claude.
public protocol LLMProvider: Sendable {
    /// The model's name, such as `offline-deterministic` or `claude-sonnet-4-5`.
    var model: String { get }
    /// The provider, for the `gen_ai.system` span attribute, such as `anthropic`.
    var system: String { get }
    /// Sends one request. Failures are thrown as ``ECLError`` (`.llm`, `.timeout` or `.io`).
    func complete(_ request: LLMRequest) async throws(ECLError) -> LLMResponse
}
