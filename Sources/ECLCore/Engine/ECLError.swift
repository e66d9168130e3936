/// The engine's one error type. Each case carries what a user needs to act on it.
public enum ECLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A model call failed. `status` is the HTTP status when there was one.
    case llm(message: String, status: Int? = nil)
    /// An input or output failed validation; `field` names the offending field.
    case validation(field: String, message: String)
    /// Reading or writing a file, socket or database failed.
    case io(String)
    /// An operation ran out of time.
    case timeout(String)
    /// The revision loop ran `attempts` revisions and the validator still asked for more.
    case maxRevisionsExceeded(attempts: Int)
    /// The configuration is wrong.
    case config(String)
    /// No workflow with this id exists.
    case workflowNotFound(WorkflowId)
    /// No step with this id exists.
    case stepNotFound(StepId)
    /// The run was stopped before it ended (an interrupted process); the reason says why.
    case cancelled(String)

    /// True for failures that may pass on another try: timeouts, I/O, and model calls that failed
    /// without an HTTP status or with 408, 429 or a 5xx status.
    public var isRetryable: Bool {
        switch self {
        case .llm(_, let status):
            guard let status else { return true }
            return status == 408 || status == 429 || status >= 500
        case .io, .timeout: return true
        case .validation, .maxRevisionsExceeded, .config, .workflowNotFound, .stepNotFound, .cancelled: return false
        }
    }

    /// A short stable name for the case, used in logs and the store.
    public var kind: String {
        switch self {
        case .llm: "llm"
        case .validation: "validation"
        case .io: "io"
        case .timeout: "timeout"
        case .maxRevisionsExceeded: "max_revisions_exceeded"
        case .config: "config"
        case .workflowNotFound: "workflow_not_found"
        case .stepNotFound: "step_not_found"
        case .cancelled: "cancelled"
        }
    }

    public var description: String {
        switch self {
        case .llm(let message, let status?): "LLM error (HTTP \(status)): \(message)"
        case .llm(let message, nil): "LLM error: \(message)"
        case .validation(let field, let message): "validation failed for '\(field)': \(message)"
        case .io(let message): "I/O error: \(message)"
        case .timeout(let message): "timed out: \(message)"
        case .maxRevisionsExceeded(let attempts): "still not accepted after \(attempts) revision\(attempts == 1 ? "" : "s") (the maximum)"
        case .config(let message): "configuration error: \(message)"
        case .workflowNotFound(let id): "no workflow with id \(id)"
        case .stepNotFound(let id): "no step with id '\(id)'"
        case .cancelled(let reason): "cancelled: \(reason)"
        }
    }

    /// The message of an I/O or configuration error without its "I/O error: " or "configuration error: " prefix
    /// (fit to follow an option's name); the full description for the other cases.
    public var plainMessage: String {
        switch self {
        case .io(let message), .config(let message): message
        default: description
        }
    }
}
