/// What a step's input builder sees: the run's input and the latest output of every step so far.
public struct WorkflowRunState<Input: Sendable>: Sendable {
    /// The run's input.
    public let input: Input
    /// The run's id.
    public let workflowId: WorkflowId
    /// The latest output of each step that has produced one.
    public internal(set) var outputs: [StepId: any Sendable] = [:]
    /// The feedback of the latest revision request, if any.
    public internal(set) var feedback: String?
    /// Revisions made so far (0 before the first).
    public internal(set) var revision: Int = 0

    /// The latest output of `step` as `type`, or nil when it has none (or another type).
    public func output<T>(of step: StepId, as type: T.Type = T.self) -> T? { outputs[step] as? T }
}

/// A revision loop: when `validator` asks for a revision, `reviser` runs, then `validator` again,
/// at most `maxIterations` times; past that the run fails with ``ECLError/maxRevisionsExceeded(attempts:)``.
public struct RevisionLoop: Sendable, Equatable {
    /// The step that revises (it runs only inside the loop).
    public var reviser: StepId
    /// The step that judges and may ask for a revision.
    public var validator: StepId
    /// The most revisions allowed.
    public var maxIterations: Int

    /// Creates a loop.
    public init(reviser: StepId, validator: StepId, maxIterations: Int) {
        self.reviser = reviser
        self.validator = validator
        self.maxIterations = maxIterations
    }
}

/// Why a workflow definition was rejected; each case names the steps at fault.
public enum WorkflowDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Two steps share an id.
    case duplicateStepId(StepId)
    /// `step` depends on `dependency`, which is not in the definition.
    case unknownDependency(step: StepId, dependency: StepId)
    /// The steps form a cycle, listed in order with the first repeated at the end.
    case cycle([StepId])
    /// The revision loop names a step that is not in the definition.
    case unknownRevisionStep(StepId)
    /// The revision loop allows fewer than 0 iterations.
    case invalidMaxIterations(Int)

    public var description: String {
        switch self {
        case .duplicateStepId(let id): "duplicate step id '\(id)'"
        case .unknownDependency(let step, let dependency): "step '\(step)' depends on unknown step '\(dependency)'"
        case .cycle(let steps): "dependency cycle: " + steps.map(\.rawValue).joined(separator: " -> ")
        case .unknownRevisionStep(let id): "revision loop names unknown step '\(id)'"
        case .invalidMaxIterations(let count): "revision loop max iterations must be 0 or more, got \(count)"
        }
    }
}

/// A step in a definition, its dependencies, and how its input is built; type-erased so steps of any types mix.
public struct WorkflowNode<Input: Sendable>: Sendable {
    /// The step's id.
    public let id: StepId
    /// The step's readable name.
    public let name: String
    /// Steps that must complete first.
    public let dependsOn: [StepId]
    let run: @Sendable (StepExecutor, WorkflowRunState<Input>, Int) async -> NodeExecution
}

/// A step execution of any step type: its outcome with the output boxed, and what was measured.
typealias NodeExecution = StepExecution<any Sendable>

/// A workflow: named steps, their dependencies, and an optional revision loop.
public struct WorkflowDefinition<Input: Codable & Sendable>: Sendable {
    /// The workflow's name, such as `critique-revise`.
    public let name: String
    /// The steps in declaration order (the tie-break of the execution order).
    public private(set) var nodes: [WorkflowNode<Input>] = []
    /// The revision loop, if any.
    public var revisionLoop: RevisionLoop?

    /// Creates an empty definition.
    public init(name: String, revisionLoop: RevisionLoop? = nil) {
        self.name = name
        self.revisionLoop = revisionLoop
    }

    /// Adds `step`, run after `dependsOn`, with its input built from the run's state.
    /// An input builder that throws fails the step with that error.
    public mutating func add<S: Step>(
        _ step: S, dependsOn: [StepId] = [],
        input: @escaping @Sendable (WorkflowRunState<Input>) throws(ECLError) -> S.Input
    ) {
        let run: @Sendable (StepExecutor, WorkflowRunState<Input>, Int) async -> NodeExecution = { executor, state, index in
            let stepInput: S.Input
            do throws(ECLError) { stepInput = try input(state) } catch {
                let now = executor.clock.now()
                let metadata = StepMetadata(
                    stepId: step.id, executionIndex: index, startedAt: now, completedAt: now, attempts: 0,
                    tokensUsed: 0, durationMs: 0, state: .failed, error: "\(error)")
                return NodeExecution(outcome: .failed(error), outputJSON: nil, metadata: metadata)
            }
            let execution = await executor.execute(step, input: stepInput, workflowId: state.workflowId, executionIndex: index)
            return NodeExecution(outcome: execution.outcome.erased(), outputJSON: execution.outputJSON, metadata: execution.metadata)
        }
        nodes.append(WorkflowNode(id: step.id, name: step.name, dependsOn: dependsOn, run: run))
    }

    /// Checks the definition and returns the execution order: a topological order of the steps
    /// (the reviser excluded), ties broken by declaration order.
    public func validate() throws(WorkflowDefinitionError) -> [StepId] {
        var index: [StepId: Int] = [:]
        for (position, node) in nodes.enumerated() {
            guard index[node.id] == nil else { throw .duplicateStepId(node.id) }
            index[node.id] = position
        }
        for node in nodes {
            for dependency in node.dependsOn where index[dependency] == nil {
                throw .unknownDependency(step: node.id, dependency: dependency)
            }
        }
        if let loop = revisionLoop {
            for id in [loop.reviser, loop.validator] where index[id] == nil { throw .unknownRevisionStep(id) }
            guard loop.maxIterations >= 0 else { throw .invalidMaxIterations(loop.maxIterations) }
        }
        if let cycle = findCycle(index: index) { throw .cycle(cycle) }

        // Kahn's algorithm; among ready steps, the one declared first goes first.
        var remaining = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, Set($0.dependsOn)) })
        var order: [StepId] = []
        while !remaining.isEmpty {
            let next = nodes.first { remaining[$0.id]?.isEmpty == true }!.id
            order.append(next)
            remaining[next] = nil
            for key in remaining.keys { remaining[key]?.remove(next) }
        }
        return order.filter { $0 != revisionLoop?.reviser }
    }

    /// A depth-first search that returns the first cycle found, in declaration order, or nil.
    private func findCycle(index: [StepId: Int]) -> [StepId]? {
        var marks: [StepId: CycleMark] = [:]
        var path: [StepId] = []

        func visit(_ id: StepId) -> [StepId]? {
            if marks[id] == .done { return nil }
            if marks[id] == .visiting {
                let start = path.firstIndex(of: id)!
                return Array(path[start...]) + [id]
            }
            marks[id] = .visiting
            path.append(id)
            for dependency in nodes[index[id]!].dependsOn {
                if let cycle = visit(dependency) { return cycle }
            }
            path.removeLast()
            marks[id] = .done
            return nil
        }

        for node in nodes {
            if let cycle = visit(node.id) { return cycle.reversed() }
        }
        return nil
    }
}

/// Depth-first search marks for cycle detection.
private enum CycleMark { case visiting, done }
