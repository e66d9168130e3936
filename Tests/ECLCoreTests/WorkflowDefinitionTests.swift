import ECLCore
import Testing

@Suite struct WorkflowDefinitionTests {
    func definition(_ edges: [(StepId, [StepId])], loop: RevisionLoop? = nil) -> WorkflowDefinition<String> {
        var definition = WorkflowDefinition<String>(name: "test", revisionLoop: loop)
        for (id, dependsOn) in edges { definition.add(ScriptedStep(id), dependsOn: dependsOn) { $0.input } }
        return definition
    }

    @Test func orderIsTopologicalWithDeclarationTieBreak() throws {
        let order = try definition([("d", ["b", "c"]), ("b", ["a"]), ("c", ["a"]), ("a", []), ("e", [])]).validate()
        #expect(order == ["a", "b", "c", "d", "e"])
    }

    @Test func duplicateIdsAreRejected() {
        #expect(throws: WorkflowDefinitionError.duplicateStepId("a")) { try definition([("a", []), ("a", [])]).validate() }
    }

    @Test func unknownDependenciesAreRejected() {
        #expect(throws: WorkflowDefinitionError.unknownDependency(step: "b", dependency: "zz")) {
            try definition([("a", []), ("b", ["zz"])]).validate()
        }
    }

    @Test func cyclesAreRejectedNamingTheSteps() {
        #expect(throws: WorkflowDefinitionError.cycle(["a", "c", "b", "a"])) {
            try definition([("a", ["b"]), ("b", ["c"]), ("c", ["a"])]).validate()
        }
        #expect(throws: WorkflowDefinitionError.cycle(["s", "s"])) { try definition([("s", ["s"])]).validate() }
    }

    @Test func revisionLoopStepsMustExist() {
        #expect(throws: WorkflowDefinitionError.unknownRevisionStep("fix")) {
            try definition([("a", [])], loop: RevisionLoop(reviser: "fix", validator: "a", maxIterations: 2)).validate()
        }
        #expect(throws: WorkflowDefinitionError.invalidMaxIterations(-1)) {
            try definition([("a", []), ("r", [])], loop: RevisionLoop(reviser: "r", validator: "a", maxIterations: -1)).validate()
        }
    }

    @Test func reviserIsLeftOutOfTheOrder() throws {
        let order = try ToyWorkflow.critiqueRevise.definition().validate()
        #expect(order == ["generate", "critique"])
        #expect(try ToyWorkflow.simple.definition().validate() == ["generate", "critique"])
    }

    @Test func errorsPrintTheStepNames() {
        #expect("\(WorkflowDefinitionError.cycle(["a", "b", "a"]))" == "dependency cycle: a -> b -> a")
        #expect("\(WorkflowDefinitionError.unknownDependency(step: "b", dependency: "x"))".contains("'x'"))
    }
}
