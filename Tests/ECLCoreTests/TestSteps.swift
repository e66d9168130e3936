import ECLCore
import Synchronization

/// A step that plays a script of results, one per try, and counts its tries.
struct ScriptedStep: Step {
    let id: StepId
    let name: String
    let retryPolicy: RetryPolicy
    let script: Script

    final class Script: Sendable {
        private let results: Mutex<[StepResult<String>]>
        private let tries = Atomic<Int>(0)

        init(_ results: [StepResult<String>]) { self.results = Mutex(results) }

        func next() -> StepResult<String> {
            tries.add(1, ordering: .relaxed)
            return results.withLock { $0.isEmpty ? .success("done") : $0.removeFirst() }
        }

        var count: Int { tries.load(ordering: .relaxed) }
    }

    init(_ id: StepId, policy: RetryPolicy = .exponential(), _ results: [StepResult<String>] = []) {
        self.id = id
        self.name = "Step \(id)"
        self.retryPolicy = policy
        self.script = Script(results)
    }

    func execute(context: StepContext, input: String) async -> StepResult<String> {
        _ = try? await context.complete(LLMRequest(messages: [.user("Write a short paragraph about: \(input)")]))
        return script.next()
    }

    func validateInput(_ input: String) -> ECLError? {
        input == "bad" ? .validation(field: "input", message: "must not be 'bad'") : nil
    }

    func validateOutput(_ output: String) -> ECLError? {
        output.isEmpty ? .validation(field: "output", message: "must not be empty") : nil
    }
}
