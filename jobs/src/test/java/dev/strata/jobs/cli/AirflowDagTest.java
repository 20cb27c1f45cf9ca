package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAG, read without Airflow (deploy/airflow/dag_commands.py runs it against stand-ins for Airflow's
 * names): its tasks form the stage chain, it reads no Variable at parse time and quotes every value, and every command
 * it would run, rendered for a recipe, is accepted by the command line's --plan, which checks the recipe and the stage
 * without running it.
 */
class AirflowDagTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DAG = ROOT.resolve("deploy/airflow/strata_recipe_dag.py");
    private static final Pattern TEMPLATE = Pattern.compile("\\{\\{\\s*(.*?)\\s*}}");

    @TempDir
    Path dir;

    @Test
    void everyTaskCommandIsAValidStageOfTheRecipe() throws Exception {
        String source = Files.readString(DAG);
        assertTrue(source.contains("from airflow.providers.standard.operators.bash import BashOperator"),
                "Airflow 3 keeps BashOperator in the standard provider");
        assertFalse(source.contains("Variable.get"), "no Variable is read when the scheduler parses the file");
        JsonNode dag = new ObjectMapper().readTree(extract());
        assertEquals("strata_recipe", dag.get("dag_id").asText());

        List<String> ids = new ArrayList<>();
        dag.get("tasks").forEach(t -> ids.add(t.get("task_id").asText()));
        assertEquals(List.of("check", "variants", "methods", "eval", "export", "report"), ids);
        for (int i = 1; i < ids.size(); i++) {
            assertEquals("[\"" + ids.get(i - 1) + "\"]", dag.get("tasks").get(i).get("upstream").toString());
        }

        Path recipe = dir.resolve("recipe.yaml");
        Files.writeString(recipe, "name: dag-test\nmodel: " + CliRun.STORIES + "\ncalibration:\n  data: "
                + CliRun.TINYSTORIES + "\n  seq_len: 64\n  samples: 4\nmethods:\n  - bi:\n      layers: [1]\n"
                + "evaluate:\n  tasks: [copa]\n");
        Path out = dir.resolve("run folder with a space");
        for (JsonNode task : dag.get("tasks")) {
            String command = render(task.get("bash_command").asText(), recipe, out);
            String prefix = "cd " + quote(ROOT.toString()) + " && deploy/spark-submit.sh  -- ";
            assertTrue(command.startsWith(prefix), command);
            List<String> args = shellWords(command.substring(prefix.length()));
            if (!args.contains("--plan")) {
                args.add("--plan");
            }
            CliRun plan = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, plan.exitCode(), task + ": " + plan.err());
            String last = task.get("task_id").asText().equals("check") ? "report"
                    : task.get("task_id").asText().equals("methods") ? "bi" : task.get("task_id").asText();
            assertTrue(plan.out().contains("a run stops after: " + last), plan.out());
            assertFalse(Files.exists(out), "--plan writes nothing");
        }
        assertEquals("strata: error: --until 'nope' is not a stage of dag-test (expected variants, methods, bi, eval, "
                + "export, report)", CliRun.of("run", recipe.toString(), "--until", "nope", "--plan").lastErrLine());
    }

    /** The DAG's tasks as dag_commands.py prints them. */
    private static String extract() throws Exception {
        Process p = new ProcessBuilder("python3", ROOT.resolve("deploy/airflow/dag_commands.py").toString(),
                DAG.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "dag_commands.py did not finish");
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    /** The task's command as Airflow renders it, for the recipe and run folder given (no GPU). */
    private static String render(String command, Path recipe, Path out) {
        Matcher m = TEMPLATE.matcher(command);
        StringBuilder s = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "var.value.strata_home | q" -> quote(ROOT.toString());
                case "params.recipe | q" -> quote(recipe.toString());
                case "params.out | q" -> quote(out.toString());
                case "'--gpu' if params.gpu else ''" -> "";
                default -> throw new AssertionError("a template the test does not know (or an unquoted value): "
                        + m.group());
            };
            m.appendReplacement(s, Matcher.quoteReplacement(value));
        }
        m.appendTail(s);
        return s.toString();
    }

    /** Python's shlex.quote. */
    private static String quote(String s) {
        return s.matches("[A-Za-z0-9@%+=:,./_-]+") ? s : "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /** Words of a shell command line of plain and single-quoted words. */
    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    words.add(word.toString());
                }
                word.setLength(0);
                any = false;
            } else {
                word.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(word.toString());
        }
        return words;
    }
}
