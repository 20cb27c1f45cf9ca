package dev.strata.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.testing.TinyModels;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The two halves of a task's data are disjoint, cover it, and are cut where the docs say. */
class DataHalfTest {
    @Test
    void choiceExamplesAlternateBetweenTheHalves() {
        List<Example> five = IntStream.range(0, 5).mapToObj(i -> new Example(10 + i, List.of(), 0)).toList();
        assertEquals(List.of(10, 12, 14), DataHalf.FIRST.of(five).stream().map(Example::index).toList());
        assertEquals(List.of(11, 13), DataHalf.SECOND.of(five).stream().map(Example::index).toList());
        assertEquals(five, DataHalf.ALL.of(five));

        List<Example> copa = ((ChoiceTask) Tasks.parse("copa").get(0)).read(TinyModels.DATA);
        List<Example> first = DataHalf.FIRST.of(copa);
        List<Example> second = DataHalf.SECOND.of(copa);
        assertEquals(copa.size(), first.size() + second.size());
        assertEquals((copa.size() + 1) / 2, first.size());
        assertEquals(copa.get(1), second.get(0));
    }

    @Test
    void aTextIsCutAfterTheFirstLineBreakPastItsMiddle() {
        // 14 characters, middle 7: the first line break at or after index 7 is at 9, so the cut is after it (10)
        String text = "abc\ndefgh\nijk\n";
        assertEquals("abc\ndefgh\n", DataHalf.FIRST.of(text));
        assertEquals("ijk\n", DataHalf.SECOND.of(text));
        assertEquals("abcd", DataHalf.FIRST.of("abcdefgh")); // no line break past the middle: the middle
        assertEquals("efgh", DataHalf.SECOND.of("abcdefgh"));
        assertEquals(text, DataHalf.ALL.of(text));
    }
}
