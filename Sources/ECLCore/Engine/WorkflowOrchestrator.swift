import Foundation
import Logging
import Tracing

/// The outcome of one workflow run.
public struct WorkflowResult: Sendable {
    /// The run's id.
    public var workflowId: WorkflowId
    /// The workflow's name.
    public var name: String
    /// `completed`, `failed` or `cancelled`.
    public var status: WorkflowState
    /// The latest output of each step, as JSON.
    public var stepOutputs: [StepId: String]
    /// Every step execution in the order it happened (a revised step appears once per execution).
    public var stepMetadata: [StepMetadata]
    /// Revisions made.
    public var revisions: Int
    /// When the run started (UTC).
    public var startedAt: Date
    /// When the run ended (UTC).
    public var completedAt: Date
    /// The run's wall time in milliseconds.
    public var durationMs: Double
    /// What ended the run, when it failed.
    public var error: ECLError?

    /// Tries made over all steps.
    public var totalAttempts: Int { stepMetadata.reduce(0) { $0 + $1.attempts } }
    /// Retries made over all steps (tries beyond each execution's first).
    public var retries: Int { stepMetadata.reduce(0) { $0 + max(0, $1.attempts - 1) } }
    /// Tokens used over all steps.
    public var tokensUsed: Int { stepMetadata.reduce(0) { $0 + $1.tokensUsed } }
}

/// Runs workflow definitions: validates them, runs their steps in dependency order (independent steps
/// concurrently), drives the revision loop, and records the run in the store.
public struct WorkflowOrchestrator: Sendable {
    /// Runs each step.
    public let executor: StepExecutor
    /// Why runs must stop now, once they must (an interrupted process); nil while they may go on. Checked
    /// before each wave of steps and each revision: a run that must stop ends `cancelled` after the steps
    /// that are running. A cancelled task stops the same way.
    public let stopReason: @Sendable () -> String?
    /// Where runs are logged (label `ECLCore.Orchestrator` by default).
    public let logger: Logger
    /// The command run its workflows are part of, recorded with each (nil for none).
    public let runId: String?

    /// Creates an orchestrator around an executor. Tests pass a logger over an in-memory handler.
    public init(
        executor: StepExecutor, stopReason: @escaping @Sendable () -> String? = { nil },
        logger: Logger = Logger(label: "ECLCore.Orchestrator"), runId: String? = nil
    ) {
        self.runId = runId
        self.executor = executor
        self.stopReason = stopReason
        self.logger = logger
    }

    /// Why the run must stop here, if it must.
    private func stopping() -> ECLError? {
        if let reason = stopReason() { return .cancelled(reason) }
        return Task.isCancelled ? .cancelled("the run was cancelled") : nil
    }

    /// Runs `definition` on `input`. A definition that fails validation throws before anything runs;
    /// every other failure ends in a result with status `failed`, recorded in the store.
    public func run<Input: Codable & Sendable>(
        _ definition: WorkflowDefinition<Input>, input: Input, workflowId: WorkflowId = WorkflowId()
    ) async throws(WorkflowDefinitionError) -> WorkflowResult {
        let order = try definition.validate()
        return await WorkflowSpan(workflowId: workflowId, name: definition.name).run { span in
            let result = await execute(definition, order: order, input: input, workflowId: workflowId)
            if let error = result.error {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error, message: "\(error)"))
            }
            return result
        }
    }

    private func execute<Input: Codable & Sendable>(
        _ definition: WorkflowDefinition<Input>, order: [StepId], input: Input, workflowId: WorkflowId
    ) async -> WorkflowResult {
        let clock = executor.clock
        let startedAt = clock.now()
        logger.info("Workflow execution started", metadata: [LogField.stepCount: .stringConvertible(definition.nodes.count)])
        executor.metrics.workflowStarted(definition.name)

        var record = WorkflowRecord(
            id: workflowId, definition: definition.name, state: .running, input: JSONText.encode(input),
            createdAt: startedAt, updatedAt: startedAt, runId: runId)
        var runError: ECLError?
        // A run whose record could not be inserted (its id is taken, say) never writes that id's row again:
        // the row, if any, belongs to another run.
        var recorded = false
        if let store = executor.store {
            do {
                try await store.insertWorkflow(record)
                recorded = true
            } catch { runError = error }
        }

        var state = WorkflowRunState(input: input, workflowId: workflowId)
        var jsonOutputs: [StepId: String] = [:]
        var metadata: [StepMetadata] = []
        var executions: [StepId: Int] = [:]
        var done: Set<StepId> = []
        var pending = order
        let nodes = Dictionary(uniqueKeysWithValues: definition.nodes.map { ($0.id, $0) })

        while runError == nil, !pending.isEmpty {
            if let stop = stopping() {
                runError = stop
                break
            }
            // Every step whose dependencies are done runs now, concurrently; results merge in declaration order.
            let ready = pending.filter { id in nodes[id]!.dependsOn.allSatisfy { done.contains($0) || $0 == definition.revisionLoop?.reviser } }
            pending.removeAll { ready.contains($0) }
            let snapshot = state
            let known = executions
            let wave = await withTaskGroup(of: (Int, StepRun).self) { group in
                for (position, id) in ready.enumerated() {
                    group.addTask {
                        (position, await self.runNode(id, nodes: nodes, loop: definition.revisionLoop, state: snapshot, executions: known))
                    }
                }
                var runs: [(Int, StepRun)] = []
                for await run in group { runs.append(run) }
                return runs.sorted { $0.0 < $1.0 }.map(\.1)
            }
            for run in wave {
                metadata += run.metadata
                for (id, value) in run.outputs { state.outputs[id] = value }
                for (id, json) in run.jsonOutputs { jsonOutputs[id] = json }
                for (id, count) in run.executions { executions[id, default: 0] += count }
                state.revision += run.revisions
                if run.feedback != nil { state.feedback = run.feedback }
                if let error = run.error, runError == nil { runError = error }
                done.insert(run.id)
            }
        }

        let completedAt = clock.now()
        let durationMs = completedAt.timeIntervalSince(startedAt) * 1000
        let endState: WorkflowState = switch runError {
        case nil: .completed
        case .cancelled?: .cancelled
        default: .failed
        }
        record.state = endState
        record.updatedAt = completedAt
        record.completedAt = completedAt
        record.error = runError.map { "\($0)" }
        if runError == nil { record.output = JSONText.object(jsonOutputs.mapKeys(\.rawValue)) }
        if let store = executor.store, recorded {
            do {
                try await store.updateWorkflow(record)
                if let output = record.output {
                    try await store.insertArtifact(ArtifactRecord(
                        workflowId: workflowId, stepId: order.last, name: "final_output", contentType: "application/json",
                        content: output, createdAt: completedAt))
                }
            } catch {
                logger.error("Recording the workflow's end failed", metadata: [LogField.error: "\(error)"])
                if runError == nil { runError = error }
            }
        }
        executor.metrics.workflowEnded(definition.name, state: endState, durationSeconds: durationMs / 1000, revisions: state.revision)
        let duration: Logger.MetadataValue = .stringConvertible(Logger.rounded(durationMs))
        if case .cancelled(let reason)? = runError {
            logger.warning("Workflow execution cancelled", metadata: [LogField.error: .string(reason), LogField.durationMs: duration])
        } else if let runError {
            let context = if case .maxRevisionsExceeded = runError {
                "the validator did not accept the output within the revisions allowed"
            } else {
                recorded || executor.store == nil ? "a step failed (its 'Step execution failed' line says why)" : "the run could not be recorded"
            }
            logger.error("Workflow execution failed", metadata: [
                LogField.error: "\(runError)", LogField.durationMs: duration, LogField.context: .string(context),
            ])
        } else {
            logger.info("Workflow execution completed successfully", metadata: [LogField.durationMs: duration])
        }
        return WorkflowResult(
            workflowId: workflowId, name: definition.name, status: endState,
            stepOutputs: jsonOutputs, stepMetadata: metadata, revisions: state.revision, startedAt: startedAt,
            completedAt: completedAt, durationMs: durationMs, error: runError)
    }

    /// What running one node (and its revision loop, when it is the validator) produced.
    private struct StepRun: Sendable {
        var id: StepId
        var outputs: [StepId: any Sendable] = [:]
        var jsonOutputs: [StepId: String] = [:]
        var metadata: [StepMetadata] = []
        var executions: [StepId: Int] = [:]
        var revisions = 0
        var feedback: String?
        var error: ECLError?
    }

    private func runNode<Input: Codable & Sendable>(
        _ id: StepId, nodes: [StepId: WorkflowNode<Input>], loop: RevisionLoop?, state initial: WorkflowRunState<Input>,
        executions: [StepId: Int]
    ) async -> StepRun {
        var run = StepRun(id: id)
        var state = initial

        func execute(_ node: WorkflowNode<Input>) async -> NodeExecution {
            let index = executions[node.id, default: 0] + run.executions[node.id, default: 0]
            let execution = await node.run(executor, state, index)
            run.executions[node.id, default: 0] += 1
            run.metadata.append(execution.metadata)
            switch execution.outcome {
            case .success(let value), .needsRevision(let value, _):
                state.outputs[node.id] = value
                run.outputs[node.id] = value
                run.jsonOutputs[node.id] = execution.outputJSON
            case .failed(let error):
                run.error = error
            }
            return execution
        }

        var execution = await execute(nodes[id]!)
        // Outside a revision loop, a request for revision is the step's verdict: its output stands.
        guard let loop, loop.validator == id, let reviser = nodes[loop.reviser] else { return run }
        while case .needsRevision(_, let feedback) = execution.outcome {
            if let stop = stopping() {
                run.error = stop
                return run
            }
            guard state.revision < loop.maxIterations else {
                run.error = .maxRevisionsExceeded(attempts: state.revision)
                return run
            }
            state.feedback = feedback
            state.revision += 1
            run.feedback = feedback
            run.revisions += 1
            logger.info("Revision requested", metadata: [
                LogField.stepId: .string(id.rawValue), LogField.revision: .stringConvertible(state.revision),
                "feedback": .string(feedback),
            ])
            if case .failed = await execute(reviser).outcome { return run }
            if let stop = stopping() {
                run.error = stop
                return run
            }
            execution = await execute(nodes[id]!)
        }
        return run
    }
}

extension Dictionary {
    func mapKeys<K: Hashable>(_ transform: (Key) -> K) -> [K: Value] {
        Dictionary<K, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
