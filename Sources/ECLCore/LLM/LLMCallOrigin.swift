/// Which step and try a model call comes from, visible to providers through a task-local value.
public struct LLMCallOrigin: Sendable, Hashable {
    /// The run.
    public var workflowId: WorkflowId
    /// The step.
    public var stepId: StepId
    /// How many times the step ran before in this run.
    public var executionIndex: Int
    /// The try, from 1.
    public var attempt: Int

    /// Creates an origin.
    public init(workflowId: WorkflowId, stepId: StepId, executionIndex: Int, attempt: Int) {
        self.workflowId = workflowId
        self.stepId = stepId
        self.executionIndex = executionIndex
        self.attempt = attempt
    }

    /// The origin of the call in progress; nil outside ``StepContext/complete(_:)``.
    @TaskLocal public static var current: LLMCallOrigin?

    /// The workflow's position among the workflows its caller starts (0 for the first of a batch), when the
    /// caller sets it around the run: what a provider keys reproducible behaviour on, since ids are random.
    @TaskLocal public static var workflowOrdinal: Int?
}
