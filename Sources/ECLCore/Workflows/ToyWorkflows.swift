/// The toy workflows that ship with ECL.
public enum ToyWorkflow: String, CaseIterable, Sendable {
    /// generate, then critique.
    case simple
    /// generate → critique → (revise → critique)* up to the maximum revisions.
    case critiqueRevise = "critique-revise"

    /// The default maximum revisions of `critique-revise`.
    public static let defaultMaxRevisions = 3

    /// The workflow's definition.
    public func definition(maxRevisions: Int = defaultMaxRevisions) -> WorkflowDefinition<TopicInput> {
        switch self {
        case .simple:
            var definition = WorkflowDefinition<TopicInput>(name: rawValue)
            definition.add(GenerateStep()) { state in state.input }
            definition.add(CritiqueStep(), dependsOn: ["generate"]) { state throws(ECLError) in
                CritiqueInput(topic: state.input.topic, draft: try latestDraft(state))
            }
            return definition
        case .critiqueRevise:
            var definition = WorkflowDefinition<TopicInput>(
                name: rawValue,
                revisionLoop: RevisionLoop(reviser: "revise", validator: "critique", maxIterations: maxRevisions))
            definition.add(GenerateStep()) { state in state.input }
            definition.add(CritiqueStep(), dependsOn: ["generate"]) { state throws(ECLError) in
                CritiqueInput(topic: state.input.topic, draft: try latestDraft(state))
            }
            definition.add(ReviseStep(), dependsOn: ["critique"]) { state throws(ECLError) in
                ReviseInput(topic: state.input.topic, draft: try latestDraft(state), feedback: state.feedback ?? "")
            }
            return definition
        }
    }
}

/// The newest draft: the reviser's latest output, else the first draft.
func latestDraft(_ state: WorkflowRunState<TopicInput>) throws(ECLError) -> Draft {
    if let revised = state.output(of: "revise", as: Draft.self) { return revised }
    if let first = state.output(of: "generate", as: Draft.self) { return first }
    throw .stepNotFound("generate")
}
