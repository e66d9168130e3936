import ECLCore
@_spi(Pipeline) import ECLTelemetry
@_spi(Pipeline) import OTLPExporter
import ServiceContextModule
import Tracing
import Testing

@Suite struct DerivedSpanIDsTests {
    let id = WorkflowId("123e4567-e89b-42d3-a456-426614174000")!

    /// The README's published vectors, computed independently (a short Python script) from the documented hash.
    @Test func publishedTestVectors() {
        #expect(DerivedSpanIDs.traceID(for: id)?.description == "123e4567e89b42d3a456426614174000")
        let workflow = DerivedSpanIDs.workflowSpanID(id)
        #expect(workflow.description == "a34e2a8d33b515a4")
        #expect(DerivedSpanIDs.stepSpanID(workflowId: id, stepId: "generate", executionIndex: 0, attempt: 1).description == "2e0270676fb3f526")
        #expect(DerivedSpanIDs.stepSpanID(workflowId: id, stepId: "generate", executionIndex: 0, attempt: 2).description == "d6f7f7e96e1494af")
        #expect(DerivedSpanIDs.stepSpanID(workflowId: id, stepId: "critique", executionIndex: 1, attempt: 1).description == "40b43feb2cdce98d")
        #expect(DerivedSpanIDs.childSpanID(parent: workflow, sequence: 0).description == "ad3a9b67010e5c9f")
        #expect(DerivedSpanIDs.childSpanID(parent: workflow, sequence: 1).description == "f674525e3438d17c")
    }

    @Test func theAllZeroUUIDHasNoTrace() {
        #expect(DerivedSpanIDs.traceID(for: WorkflowId("00000000-0000-0000-0000-000000000000")!) == nil)
    }

    func request(_ name: String, correlation: Correlation?, parent: SpanContextData? = nil, sequence: UInt32 = 0) -> SpanIDRequest {
        var context = ServiceContext.topLevel
        context.eclCorrelation = correlation
        return SpanIDRequest(operationName: name, context: context, parent: parent, childSequence: sequence)
    }

    /// ECL samples workflows, never the work outside them: a trace that is not a workflow is kept whatever
    /// the sampler says.
    @Test func onlyWorkflowsAreSampled() {
        let policy = DerivedSpanIDs()
        #expect(policy.isSampled(request("workflow w", correlation: Correlation(workflowId: id, workflowName: "w"))))
        #expect(!policy.isSampled(request("store write", correlation: nil)))
        let tracer = OTLPTracer(processor: MultiSpanProcessor([]), idPolicy: policy, sampler: .alwaysOff)
        let outside = tracer.startSpan("store write", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        #expect(outside.isRecording)
        var context = ServiceContext.topLevel
        context.eclCorrelation = Correlation(workflowId: id, workflowName: "w")
        let inside = tracer.startSpan("workflow w", context: context, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0)
        #expect(!inside.isRecording)
    }

    @Test func thePolicyKnowsWorkflowStepAndChildSpans() throws {
        let policy = DerivedSpanIDs()
        var workflow = Correlation(workflowId: id, workflowName: "w")
        workflow.spanName = "workflow w"
        let root = try #require(policy.ids(for: request("workflow w", correlation: workflow)))
        #expect(root.traceID.description == "123e4567e89b42d3a456426614174000")
        #expect(root.spanID == DerivedSpanIDs.workflowSpanID(id))

        var step = workflow
        step.stepId = "generate"
        step.attempt = 2
        step.executionIndex = 0
        step.spanName = "step generate"
        let parent = SpanContextData(traceID: root.traceID, spanID: root.spanID)
        let stepIds = try #require(policy.ids(for: request("step generate", correlation: step, parent: parent)))
        #expect(stepIds.spanID.description == "d6f7f7e96e1494af")

        // A span started inside the step that is not the step's own: a child by sequence.
        let stepParent = SpanContextData(traceID: root.traceID, spanID: stepIds.spanID)
        let child = try #require(policy.ids(for: request("chat m", correlation: step, parent: stepParent, sequence: 3)))
        #expect(child.spanID == DerivedSpanIDs.childSpanID(parent: stepIds.spanID, sequence: 3))

        // Outside any workflow: the tracer's default (random ids).
        #expect(policy.ids(for: request("other", correlation: nil)) == nil)
    }

    @Test func idsDifferForEveryAttemptAndExecution() {
        var seen = Set<SpanID>()
        for execution in 0..<20 {
            for attempt in 1...5 {
                seen.insert(DerivedSpanIDs.stepSpanID(workflowId: id, stepId: "critique", executionIndex: execution, attempt: attempt))
            }
        }
        #expect(seen.count == 100)
        #expect(!seen.contains(DerivedSpanIDs.workflowSpanID(id)))
    }

    @Test func dumpsGetALogsFileBesideThem() {
        #expect(TelemetryOptions.logsPath(for: "/tmp/run.jsonl") == "/tmp/run-logs.jsonl")
        #expect(TelemetryOptions.logsPath(for: "dump") == "dump-logs")
    }
}
