import Foundation

/// Where a workflow run stands.
public enum WorkflowState: String, Sendable, Codable, CaseIterable {
    /// Started, not yet ended.
    case running
    /// Ended with every step done.
    case completed
    /// Ended with an error.
    case failed
    /// Stopped before it ended (the process was interrupted); the error says when and why.
    case cancelled
}

/// How one try of a step ended.
public enum StepExecutionState: String, Sendable, Codable, CaseIterable {
    /// The try produced accepted output.
    case succeeded
    /// The try produced output that asks for a revision.
    case needsRevision = "needs_revision"
    /// The try failed (it may have been retried: see the next attempt).
    case failed
}

/// One workflow run as the store keeps it.
public struct WorkflowRecord: Sendable, Codable, Equatable {
    /// The run's id.
    public var id: WorkflowId
    /// The workflow's name, such as `critique-revise`.
    public var definition: String
    /// Where the run stands.
    public var state: WorkflowState
    /// The run's input as JSON.
    public var input: String
    /// The run's final output as JSON, once completed.
    public var output: String?
    /// The error that ended the run, once failed.
    public var error: String?
    /// When the run started (UTC).
    public var createdAt: Date
    /// When the record last changed (UTC).
    public var updatedAt: Date
    /// When the run ended (UTC).
    public var completedAt: Date?
    /// The command run it was part of (one id for all the workflows of a `--count` run), if any.
    public var runId: String?

    /// Creates a record.
    public init(
        id: WorkflowId, definition: String, state: WorkflowState, input: String, output: String? = nil,
        error: String? = nil, createdAt: Date, updatedAt: Date, completedAt: Date? = nil, runId: String? = nil
    ) {
        self.runId = runId
        self.id = id
        self.definition = definition
        self.state = state
        self.input = input
        self.output = output
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
    }
}

/// One try of one step, as the store keeps it.
public struct StepExecutionRecord: Sendable, Codable, Equatable {
    /// The run it belongs to.
    public var workflowId: WorkflowId
    /// The step.
    public var stepId: StepId
    /// How many times the step ran before in this run (revisions make it run again).
    public var executionIndex: Int
    /// The try, from 1.
    public var attempt: Int
    /// How the try ended.
    public var state: StepExecutionState
    /// The input as JSON.
    public var input: String
    /// The output as JSON, when there was one.
    public var output: String?
    /// The error, when the try failed.
    public var error: String?
    /// When the try started (UTC).
    public var startedAt: Date
    /// When the try ended (UTC).
    public var completedAt: Date
    /// How long the try took, in milliseconds.
    public var durationMs: Double
    /// Tokens the try used.
    public var tokensUsed: Int
    /// The model the try called, if it called one.
    public var model: String?

    /// Creates a record.
    public init(
        workflowId: WorkflowId, stepId: StepId, executionIndex: Int, attempt: Int, state: StepExecutionState,
        input: String, output: String? = nil, error: String? = nil, startedAt: Date, completedAt: Date,
        durationMs: Double, tokensUsed: Int, model: String? = nil
    ) {
        self.model = model
        self.workflowId = workflowId
        self.stepId = stepId
        self.executionIndex = executionIndex
        self.attempt = attempt
        self.state = state
        self.input = input
        self.output = output
        self.error = error
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.durationMs = durationMs
        self.tokensUsed = tokensUsed
    }
}

/// A named piece of content a run produced, such as its final draft.
public struct ArtifactRecord: Sendable, Codable, Equatable {
    /// The run it belongs to.
    public var workflowId: WorkflowId
    /// The step that produced it, if any.
    public var stepId: StepId?
    /// Its name, such as `final_draft`.
    public var name: String
    /// Its MIME type, such as `text/plain`.
    public var contentType: String
    /// The content.
    public var content: String
    /// When it was stored (UTC).
    public var createdAt: Date

    /// Creates an artifact.
    public init(workflowId: WorkflowId, stepId: StepId?, name: String, contentType: String, content: String, createdAt: Date) {
        self.workflowId = workflowId
        self.stepId = stepId
        self.name = name
        self.contentType = contentType
        self.content = content
        self.createdAt = createdAt
    }
}

/// Where runs, step tries and artifacts are recorded. SQLite is the default; the protocol leaves room for another database.
///
/// Every method throws ``ECLError/io(_:)`` when the database fails.
public protocol WorkflowStore: Sendable {
    /// Records a new run.
    func insertWorkflow(_ record: WorkflowRecord) async throws(ECLError)
    /// Replaces a run's record (state, output, error, times).
    func updateWorkflow(_ record: WorkflowRecord) async throws(ECLError)
    /// Records one try of one step.
    func insertStepExecution(_ record: StepExecutionRecord) async throws(ECLError)
    /// Stores an artifact.
    func insertArtifact(_ record: ArtifactRecord) async throws(ECLError)
    /// One run, or nil.
    func workflow(_ id: WorkflowId) async throws(ECLError) -> WorkflowRecord?
    /// The newest runs first, at most `limit`.
    func workflows(limit: Int) async throws(ECLError) -> [WorkflowRecord]
    /// The workflows of one command run, in the order they started.
    func workflows(runId: String) async throws(ECLError) -> [WorkflowRecord]
    /// A run's step tries in the order they happened.
    func stepExecutions(of id: WorkflowId) async throws(ECLError) -> [StepExecutionRecord]
    /// A run's artifacts in the order they were stored.
    func artifacts(of id: WorkflowId) async throws(ECLError) -> [ArtifactRecord]
}
