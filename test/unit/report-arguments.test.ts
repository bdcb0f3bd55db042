import { describe, expect, it } from 'vitest';
import { parseReportArguments } from '../../src/cli/commands/report.ts';
import { UsageError } from '../../src/cli/errors.ts';

describe('parseReportArguments', () => {
  it('reads the results file and every option, in both --flag value and --flag=value forms', () => {
    expect(parseReportArguments(['r.json', '--markdown', 'a.md', '--html=b.html', '--baseline', 'b.json', '--history=3'])).toEqual({
      resultsFile: 'r.json',
      markdownFile: 'a.md',
      htmlFile: 'b.html',
      baselineFile: 'b.json',
      historyRuns: 3,
      powerChange: undefined,
    });
    expect(parseReportArguments(['r.json', '--power', '25%'])?.powerChange).toBe(1.25);
    expect(parseReportArguments(['r.json', '--power=50'])?.powerChange).toBe(1.5);
    expect(parseReportArguments(['r.json'])).toMatchObject({ markdownFile: undefined, historyRuns: 10 });
    expect(parseReportArguments(['r.json', '-h'])).toBeNull();
  });

  it('says what is wrong with the command line', () => {
    const messageOf = (args: string[]) => {
      try {
        parseReportArguments(args);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(messageOf([])).toBe('which results file? e.g. edge-evals report results/latest.json');
    expect(messageOf(['a.json', 'b.json'])).toBe('one results file at a time, got 2: a.json b.json');
    expect(messageOf(['a.json', '--baseline'])).toBe('--baseline needs a value');
    expect(messageOf(['a.json', '--baseline', '--html', 'x'])).toBe('--baseline needs a value');
    expect(messageOf(['a.json', '--history', 'lots'])).toBe("--history expects a whole number of runs (0 or more), got 'lots'");
    expect(messageOf(['a.json', '--history', '-1'])).toBe("--history expects a whole number of runs (0 or more), got '-1'");
    expect(messageOf(['a.json', '--pdf'])).toBe("unknown option '--pdf'");
    expect(messageOf(['a.json', '--power', 'big'])).toBe("--power expects a slowdown in percent, e.g. 25%, got 'big'");
    expect(messageOf(['a.json', '--power', '0%'])).toBe("--power expects a slowdown in percent, e.g. 25%, got '0%'");
  });
});
