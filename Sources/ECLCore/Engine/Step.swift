/// What one try of a step came to.
public enum StepResult<Output: Sendable>: Sendable {
    /// The step produced its output.
    case success(Output)
    /// The step produced output that needs another revision, with feedback for the reviser.
    case needsRevision(Output, feedback: String)
    /// The step failed; `retryable` says whether another try may pass.
    case failed(ECLError, retryable: Bool)
}

/// One unit of work in a workflow: typed input and output, a body, and validation hooks.
public protocol Step: Sendable {
    /// What the step consumes.
    associatedtype Input: Codable & Sendable
    /// What the step produces.
    associatedtype Output: Codable & Sendable

    /// The step's id in its workflow, such as `generate`.
    var id: StepId { get }
    /// A readable name, such as `Generate draft`.
    var name: String { get }
    /// How often to try and how long to wait between tries.
    var retryPolicy: RetryPolicy { get }

    /// Runs one try.
    func execute(context: StepContext, input: Input) async -> StepResult<Output>
    /// Checks the input before the first try; returns a `.validation` error naming the field, or nil.
    func validateInput(_ input: Input) -> ECLError?
    /// Checks the output after a successful try; returns a `.validation` error naming the field, or nil.
    func validateOutput(_ output: Output) -> ECLError?
}

extension Step {
    /// By default a step is retried with ``RetryPolicy/default``.
    public var retryPolicy: RetryPolicy { .default }
    /// By default every input is valid.
    public func validateInput(_ input: Input) -> ECLError? { nil }
    /// By default every output is valid.
    public func validateOutput(_ output: Output) -> ECLError? { nil }
}
