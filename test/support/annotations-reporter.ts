// A vitest reporter for the end-to-end tests: writes each test's annotations, as vitest's main
// process received them, to the JSON file named by ANNOTATIONS_REPORT_FILE at the end of the run.
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export interface AnnotatedTest {
  /** `<model> > <category>/<prompt>`, vitest's full name. */
  name: string;
  state: string;
  /** The annotations' types, in order (`response`, `checks`, `criteria`, ...). */
  annotations: string[];
}

export default class AnnotationsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const file = process.env.ANNOTATIONS_REPORT_FILE;
    if (file === undefined) return;
    const tests: AnnotatedTest[] = testModules.flatMap((testModule) =>
      [...testModule.children.allTests()].map((testCase) => ({
        name: testCase.fullName,
        state: testCase.result().state,
        annotations: testCase.annotations().map((annotation) => annotation.type),
      })),
    );
    writeFileSync(file, JSON.stringify(tests, null, 2));
  }
}
