/// A prompt with `{name}` placeholders: `{topic}`, `{draft}`, `{feedback}`, `{attempt}`.
public struct PromptTemplate: Sendable, Equatable, ExpressibleByStringLiteral {
    /// The template text.
    public let text: String

    /// Creates a template.
    public init(_ text: String) { self.text = text }

    public init(stringLiteral value: String) { text = value }

    /// The text with each `{key}` replaced by its value; placeholders without a value stay as they are.
    public func render(_ values: [String: String]) -> String {
        var result = ""
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                rest = rest[open...]
                break
            }
            let key = String(rest[rest.index(after: open)..<close])
            if let value = values[key] { result += value } else { result += rest[open...close] }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }
}

/// The toy workflows' prompts.
public enum ToyPrompts {
    /// The writer's instructions.
    public static let generateSystem: PromptTemplate = "You are a concise technical writer. Write one short paragraph."
    /// The first draft's request.
    public static let generateUser: PromptTemplate = "Write a short paragraph about: {topic}"
    /// The critic's instructions; the reply must be JSON.
    public static let critiqueSystem: PromptTemplate = """
        You are a strict critic. Reply with JSON only, no prose around it: \
        {"decision":"pass"|"revise","critique":"<what works and what does not>","feedback":"<what to change>"}
        """
    /// The critic's request.
    public static let critiqueUser: PromptTemplate = "Review round: {attempt}\nTopic: {topic}\nDraft:\n{draft}"
    /// The editor's instructions.
    public static let reviseSystem: PromptTemplate = "You are an editor. Rewrite the draft so it answers the feedback. Reply with the new draft only."
    /// The editor's request.
    public static let reviseUser: PromptTemplate = "Revision: {attempt}\nTopic: {topic}\nFeedback: {feedback}\nDraft:\n{draft}"
}
