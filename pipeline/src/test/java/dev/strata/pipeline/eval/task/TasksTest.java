package dev.strata.pipeline.eval.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.ChoiceTask.Option;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TasksTest {
    static final Path DATA = Path.of("../../shared/data").toAbsolutePath().normalize();

    @Test
    void everyTaskReadsTheSharedData() {
        Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("piqa", 1838);
        expected.put("hellaswag", 1000);
        expected.put("winogrande", 1267);
        expected.put("arc_easy", 2376);
        expected.put("arc_challenge", 1172);
        expected.put("boolq", 3270);
        expected.put("openbookqa", 500);
        expected.put("copa", 100);
        expected.put("siqa", 1954);
        expected.put("lambada", 5153);
        for (Task task : Tasks.all()) {
            if (task instanceof ChoiceTask choice) {
                List<Example> examples = choice.read(DATA);
                assertEquals(expected.get(task.name()), examples.size(), task.name());
                for (Example e : examples) {
                    assertTrue(e.gold() >= 0 && e.gold() < e.options().size(), task.name());
                    e.options().forEach(o -> assertTrue(o.continuation().startsWith(" "), task.name()));
                }
            } else {
                assertTrue(((TextTask) task).read(DATA).length() > 500_000, task.name());
            }
        }
        assertEquals(12, Tasks.all().size());
    }

    @Test
    void promptsFollowLmEval() {
        Example piqa = ((ChoiceTask) Tasks.parse("piqa").get(0)).read(DATA).get(0);
        assertEquals("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:",
                piqa.options().get(0).context());
        assertEquals(0, piqa.gold());
        Example hellaswag = ((ChoiceTask) Tasks.parse("hellaswag").get(0)).read(DATA).get(0);
        assertEquals("Pole vault: Pole vault is a sport where you run with a pole and stop and swing your body. A few women",
                hellaswag.options().get(0).context());
        assertEquals(new Option(hellaswag.options().get(3).context(),
                " are in the gym practicing to do this pole vault, trying to do their best.", 73), hellaswag.options().get(3));
        assertEquals(3, hellaswag.gold());
        assertEquals("How to clean a car. Wash it.", HellaswagTask.preprocess("  How to clean a car [title]Wash [header] it. "));
        assertEquals("Émile zola", HellaswagTask.capitalize("éMILE ZOLA"));
        Example wino = ((ChoiceTask) Tasks.parse("winogrande").get(0)).read(DATA).get(0);
        assertEquals("Sarah was a much better surgeon than Maria so Maria", wino.options().get(1).context());
        assertEquals(" always got the easier cases.", wino.options().get(1).continuation());
        assertEquals(1, wino.gold());
        Example copa = ((ChoiceTask) Tasks.parse("copa").get(0)).read(DATA).get(0);
        assertEquals(new Option("The man turned on the faucet, therefore", " water flowed from the spout.", 28),
                copa.options().get(1));
    }

    @Test
    void malformedLinesAreNamed(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("mc"));
        Path arc = dir.resolve("mc/arc_easy.jsonl");
        ChoiceTask task = (ChoiceTask) Tasks.parse("arc_easy").get(0);
        String good = "{\"query\": \"Question: q\", \"choices\": [\"a\", \"b\"], \"gold\": 1}";
        assertMessage(task, dir, arc, good + "\n\n{\"query\": \"q\", \"choices\": [\"a\"", arc + ":3: not valid JSON");
        assertMessage(task, dir, arc, good + "\n[1, 2]", arc + ":2: not a JSON object");
        assertMessage(task, dir, arc, "{\"choices\": [\"a\", \"b\"], \"gold\": 0}", arc + ":1: no string 'query'");
        assertMessage(task, dir, arc, "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 0}",
                arc + ":1: no array 'choices' of at least 2 strings");
        assertMessage(task, dir, arc, "{\"query\": \"q\", \"choices\": [\"a\", 3], \"gold\": 0}",
                arc + ":1: 'choices' holds 3, not a string");
        assertMessage(task, dir, arc, "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 2}",
                arc + ":1: 'gold' 2 is not an index of the 2 options");
        assertMessage(task, dir, arc, "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": \"1\"}",
                arc + ":1: no integer 'gold'");
        Files.delete(arc);
        StrataException missing = assertThrows(StrataException.class, () -> task.read(dir));
        assertEquals(arc + ": file does not exist (is --data-dir the folder with the task data?)", missing.getMessage());

        Files.createDirectories(dir.resolve("piqa"));
        Files.writeString(dir.resolve("piqa/valid.jsonl"), "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n"
                + "{\"goal\": \"h\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
        Path labels = dir.resolve("piqa/valid-labels.lst");
        ChoiceTask piqa = (ChoiceTask) Tasks.parse("piqa").get(0);
        assertMessage(piqa, dir, labels, "0\n", labels + ": 1 labels for the 2 examples of " + dir.resolve("piqa/valid.jsonl"));
        assertMessage(piqa, dir, labels, "0\n2\n", labels + ":2: label '2' is not 0 or 1");
    }

    private static void assertMessage(ChoiceTask task, Path dir, Path file, String content, String expected) throws Exception {
        Files.writeString(file, content);
        StrataException e = assertThrows(StrataException.class, () -> task.read(dir));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    @Test
    void taskListsAreParsedWithClearErrors() {
        assertEquals(List.of("copa", "piqa"), Tasks.parse("copa, piqa").stream().map(Task::name).toList());
        assertEquals(12, Tasks.parse("all").size());
        StrataException unknown = assertThrows(StrataException.class, () -> Tasks.parse("piqa,mmlu"));
        assertTrue(unknown.getMessage().startsWith("--tasks 'mmlu' is not a task (known: piqa, hellaswag,"), unknown.getMessage());
        StrataException twice = assertThrows(StrataException.class, () -> Tasks.parse("copa,copa"));
        assertEquals("--tasks 'copa' is listed twice", twice.getMessage());
    }
}
