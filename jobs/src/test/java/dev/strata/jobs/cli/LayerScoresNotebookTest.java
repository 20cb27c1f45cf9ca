package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * notebooks/layer_scores.ipynb executed by jupyter nbconvert (Debian's jupyter-nbconvert, python3-ipykernel,
 * python3-pandas and python3-matplotlib; no pyarrow) on run folders the command line makes: a calibration; a merge
 * with its steps, a ShortGPT prune and an LLM-Streamline prune in one folder; and the README's first recipe, found at
 * the notebook's default path. No cell errs, every plot cell draws a PNG, and the notebook's listing of the folder
 * names the score tables and models strata scores show finds. Skipped where jupyter is missing, unless
 * STRATA_REQUIRE_NOTEBOOK is set (.ci/run sets it and installs the packages).
 */
class LayerScoresNotebookTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path NOTEBOOK = ROOT.resolve("notebooks/layer_scores.ipynb");
    private static final boolean REQUIRED = System.getenv("STRATA_REQUIRE_NOTEBOOK") != null;
    private static final String INSTALL = "apt-get install jupyter-nbconvert python3-ipykernel python3-pandas "
            + "python3-matplotlib";
    private static final String[] INPUTS = {"--seq-len", "128", "--samples", "8", "--batch", "4", "--master",
        "local[2]"};

    @TempDir
    Path dir;
    private int executions;

    /** Why jupyter cannot run here ("" when it can), found once. */
    private static String missing;

    @BeforeEach
    void jupyterIsThere() throws InterruptedException {
        if (missing == null) {
            missing = whyNoJupyter();
        }
        if (!missing.isEmpty()) {
            assertFalse(REQUIRED, missing + ", and STRATA_REQUIRE_NOTEBOOK is set (" + INSTALL + ")");
            Assumptions.abort(missing + " (" + INSTALL + "); .ci/run installs it");
        }
    }

    private static String whyNoJupyter() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("jupyter", "nbconvert", "--version").redirectErrorStream(true).start();
            String version = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? ""
                    : "jupyter nbconvert --version failed: " + version;
        } catch (IOException ex) {
            return "jupyter is not on the PATH (" + ex.getMessage() + ")";
        }
    }

    @Test
    void aCalibrationAndAMergeWithItsStepsBesideTwoPrunesAreListedAndPlotted() throws Exception {
        Path calibration = dir.resolve("calibration");
        assertRan(CliRun.of(with("calibrate", "--out", calibration.toString())));
        JsonNode executed = execute(NOTEBOOK, calibration, Map.of());
        assertPlots(executed, false);
        List<String> listing = listing(executed);
        assertTrue(listing.contains("methods run: none (a calibration)"), listing.toString());
        assertTrue(listing.contains("models: none"), listing.toString());
        assertListsWhatScoresShowFinds(listing, calibration);
        assertTrue(text(cell(executed, "steps")).contains("no merge steps in this run"), text(cell(executed, "steps")));

        // one folder: CoMe's two merge steps (the model after the first is scored again), then ShortGPT and the
        // untrained LLM-Streamline prune reusing its windows and scores
        Path run = dir.resolve("run");
        assertRan(CliRun.of(with("merge", "come", "--layers", "2", "--out", run.toString())));
        assertRan(CliRun.of(with("compress", "bi", "--layers", "1", "--out", run.toString())));
        assertRan(CliRun.of(with("compress", "streamline", "--layers", "1", "--replacement", "none", "--out",
                run.toString())));
        executed = execute(NOTEBOOK, run, Map.of());
        assertPlots(executed, true);
        listing = listing(executed);
        assertTrue(listing.contains("methods run: come, bi, streamline"), listing.toString());
        assertTrue(listing.contains("score tables: come/step-001, original"), listing.toString());
        assertTrue(listing.contains("models: bi/4L, come/step-001, come/step-002, streamline/none-1"),
                listing.toString());
        assertListsWhatScoresShowFinds(listing, run);
        // the models table gives each layer's original layers: merges join all five, prunes drop one
        Map<String, String> layers = modelLayers(executed);
        assertEquals(3, layers.get("come/step-002").split(" \\| ").length, layers.toString());
        assertEquals(List.of("0", "1", "2", "3", "4"), originals(layers.get("come/step-002")));
        assertEquals(List.of("0", "1", "2", "3", "4"), originals(layers.get("come/step-001")));
        for (String prune : List.of("bi/4L", "streamline/none-1")) {
            assertEquals(4, originals(layers.get(prune)).size(), prune + ": " + layers);
            assertFalse(layers.get(prune).contains("+"), prune + ": " + layers);
        }

        // a merge step's own scores: the model after the first merge, one layer fewer
        executed = execute(NOTEBOOK, run, Map.of("STRATA_SCORES", "come/step-001"));
        assertPlots(executed, true);
        String perLayer = text(cells(executed).stream().filter(c -> source(c).contains("summary['windows']"))
                .findFirst().orElseThrow());
        assertTrue(perLayer.startsWith("come/step-001: 8 windows of 128 tokens, 1,024 tokens, 4 layers"), perLayer);
    }

    @Test
    void theDefaultFolderIsTheOneTheReadmesFirstCommandWritesAndBadFoldersAreOneLine() throws Exception {
        // the README's first command that writes a run, and the folder its recipe names
        Matcher first = Pattern.compile("(?m)^\\./strata run (\\S+\\.yaml)$").matcher(
                Files.readString(ROOT.resolve("README.md")));
        assertTrue(first.find(), "README.md has no ./strata run RECIPE command");
        Path shipped = ROOT.resolve(first.group(1));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode recipe = (ObjectNode) yaml.readTree(Files.readString(shipped).replace("../shared/",
                CliRun.SHARED + "/"));
        Path out = dir.resolve(recipe.get("out").asText());

        // that recipe, smaller: a few windows, one training pass, the first examples of each task
        ((ObjectNode) recipe.get("calibration")).put("seq_len", 128).put("samples", 8).put("batch", 4);
        for (JsonNode method : recipe.get("methods")) {
            JsonNode distill = method.path("come").path("distill");
            if (distill instanceof ObjectNode d) {
                d.put("samples", 8).put("batch", 4);
                ((ObjectNode) d.get("layers")).put("epochs", 1);
                ((ObjectNode) d.get("model")).put("epochs", 1);
            }
        }
        ((ObjectNode) recipe.get("evaluate")).put("limit", 8);
        Path small = Files.writeString(dir.resolve("recipe.yaml"), yaml.writeValueAsString(recipe));
        assertRan(CliRun.of("run", small.toString(), "--out", out.toString(), "--master", "local[2]"));

        // the notebook beside the run as in the repository (notebooks/ and runs/ side by side), no STRATA_RUN
        Path notebook = Files.copy(NOTEBOOK, Files.createDirectories(dir.resolve("notebooks"))
                .resolve("layer_scores.ipynb"));
        JsonNode executed = execute(notebook, null, Map.of());
        assertPlots(executed, true);
        List<String> listing = listing(executed);
        assertEquals(out.toRealPath().toString(), listing.get(0).substring(0, listing.get(0).indexOf(": ")));
        assertListsWhatScoresShowFinds(listing, out);
        assertTrue(listing.contains("exported model: model"), listing.toString());
        assertTrue(listing.contains("reports: report.md, report.html, eval/eval/report.md"), listing.toString());
        for (String model : List.of("come/step-002", "come/distill-3L", "bi/3L", "replaceme/3L")) {
            assertTrue(listing.stream().anyMatch(l -> l.startsWith("models: ") && l.contains(model)), model + " in "
                    + listing);
        }

        // a missing folder and a folder that is not a run: one line each, from the first cell
        assertEquals("layer_scores: STRATA_RUN=" + dir.resolve("nowhere") + ": no such folder",
                firstError(execute(NOTEBOOK, dir.resolve("nowhere"), Map.of())));
        assertEquals("layer_scores: " + CliRun.STORIES + ": no scores/original/summary.json: not a run folder of "
                + "strata calibrate, compress, merge or run (or its scores are not written yet)",
                firstError(execute(NOTEBOOK, CliRun.STORIES, Map.of())));
    }

    private static String[] with(String... command) {
        List<String> args = new ArrayList<>(Arrays.asList(command));
        args.addAll(List.of("--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString()));
        args.addAll(List.of(INPUTS));
        return args.toArray(String[]::new);
    }

    private static void assertRan(CliRun run) {
        assertEquals(0, run.exitCode(), run.err());
    }

    /**
     * Executes {@code notebook} with jupyter nbconvert (in its own folder, as Jupyter does), STRATA_RUN set to
     * {@code run} unless null; the executed notebook. Errors are kept in it (--allow-errors) for the caller to check.
     */
    private JsonNode execute(Path notebook, Path run, Map<String, String> env) throws Exception {
        Path out = Files.createDirectories(dir.resolve("executed"));
        String name = "run-" + ++executions;
        ProcessBuilder builder = new ProcessBuilder("jupyter", "nbconvert", "--to", "notebook", "--execute",
                "--allow-errors", "--ExecutePreprocessor.timeout=120", "--output-dir", out.toString(), "--output", name,
                notebook.toString()).redirectErrorStream(true).redirectOutput(out.resolve(name + ".log").toFile());
        builder.environment().remove("STRATA_RUN");    // a developer's own setting would hide the default
        builder.environment().remove("STRATA_SCORES");
        if (run != null) {
            builder.environment().put("STRATA_RUN", run.toString());
        }
        builder.environment().putAll(env);
        Process p = builder.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "jupyter nbconvert did not finish in 300 s");
        assertEquals(0, p.exitValue(), Files.readString(out.resolve(name + ".log")));
        JsonNode executed = JSON.readTree(out.resolve(name + ".ipynb").toFile());
        JsonNode imports = cells(executed).get(0).path("outputs");
        for (JsonNode o : imports) {
            String ename = o.path("ename").asText();
            if (!REQUIRED && (ename.equals("ModuleNotFoundError") || ename.equals("ImportError"))) {
                Assumptions.abort("the notebook's kernel lacks a package (" + o.path("evalue").asText() + "): "
                        + INSTALL);
            }
        }
        return executed;
    }

    /** No cell erred; every cell tagged plot drew a PNG, the merge steps' cell one when the run has merge steps. */
    private static void assertPlots(JsonNode notebook, boolean merges) throws IOException {
        int plots = 0;
        for (JsonNode cell : cells(notebook)) {
            for (JsonNode o : cell.path("outputs")) {
                assertFalse(o.path("output_type").asText().equals("error"), "cell " + source(cell) + "\nfailed: "
                        + o.path("ename").asText() + ": " + o.path("evalue").asText() + "\n" + o.path("traceback"));
            }
            List<String> tags = tags(cell);
            // a plotting cell must be tagged, or this test would not look at it
            assertTrue(!source(cell).contains("plt.subplots") || tags.contains("plot") || tags.contains("steps"),
                    "untagged plot cell:\n" + source(cell));
            if (tags.contains("plot") || (tags.contains("steps") && merges)) {
                plots++;
                List<BufferedImage> images = images(cell);
                assertEquals(1, images.size(), "images of the cell\n" + source(cell));
                assertTrue(images.get(0).getWidth() > 300 && images.get(0).getHeight() > 200,
                        images.get(0).getWidth() + "x" + images.get(0).getHeight() + " image of\n" + source(cell));
            } else if (tags.contains("steps")) {
                assertEquals(List.of(), images(cell), "the merge steps' cell drew without merge steps");
            }
        }
        assertEquals(merges ? 4 : 3, plots, "plot cells");
    }

    private static List<BufferedImage> images(JsonNode cell) throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        for (JsonNode o : cell.path("outputs")) {
            JsonNode png = o.path("data").path("image/png");
            if (!png.isMissingNode()) {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(
                        Base64.getMimeDecoder().decode(png.asText())));
                assertNotNull(image, "an image/png output that is not a PNG");
                images.add(image);
            }
        }
        return images;
    }

    /** The lines the listing cell printed. */
    private static List<String> listing(JsonNode notebook) {
        JsonNode cell = cell(notebook, "listing");
        StringBuilder printed = new StringBuilder();
        cell.path("outputs").forEach(o -> {
            if (o.path("output_type").asText().equals("stream")) {
                printed.append(joined(o.path("text")));
            }
        });
        return printed.toString().lines().toList();
    }

    /** The score tables and models the listing names are those strata scores show lists. */
    private static void assertListsWhatScoresShowFinds(List<String> listing, Path run) {
        CliRun show = CliRun.of("scores", "show", run.toString());
        assertRan(show);
        Matcher holds = Pattern.compile("holds score tables \\[(.*)] and models \\[(.*)]").matcher(show.err());
        assertTrue(holds.find(), show.err());
        assertTrue(listing.contains("score tables: " + holds.group(1)), listing + " vs " + holds.group());
        assertTrue(listing.contains("models: " + (holds.group(2).isEmpty() ? "none" : holds.group(2))),
                listing + " vs " + holds.group());
    }

    /** The models table of the listing cell: model name to its layers' original layers ("0 | 1+2 | 3"). */
    private static Map<String, String> modelLayers(JsonNode notebook) {
        Map<String, String> layers = new LinkedHashMap<>();
        for (JsonNode o : cell(notebook, "listing").path("outputs")) {
            String table = joined(o.path("data").path("text/plain"));
            table.lines().skip(2).forEach(line -> {
                String[] parts = line.strip().split("\\s+", 2);
                layers.put(parts[0], parts[1].strip());
            });
        }
        return layers;
    }

    private static List<String> originals(String layers) {
        return new ArrayList<>(new TreeSet<>(Arrays.asList(layers.split(" \\| |\\+"))));
    }

    private static String firstError(JsonNode notebook) {
        for (JsonNode cell : cells(notebook)) {
            for (JsonNode o : cell.path("outputs")) {
                if (o.path("output_type").asText().equals("error")) {
                    assertEquals(1, o.path("traceback").size(), "not one line: " + o.path("traceback"));
                    return o.path("traceback").get(0).asText();
                }
            }
        }
        throw new AssertionError("no cell erred");
    }

    private static List<JsonNode> cells(JsonNode notebook) {
        List<JsonNode> code = new ArrayList<>();
        notebook.path("cells").forEach(c -> {
            if (c.path("cell_type").asText().equals("code")) {
                code.add(c);
            }
        });
        return code;
    }

    private static JsonNode cell(JsonNode notebook, String tag) {
        return cells(notebook).stream().filter(c -> tags(c).contains(tag)).findFirst()
                .orElseThrow(() -> new AssertionError("no cell tagged " + tag));
    }

    private static List<String> tags(JsonNode cell) {
        List<String> tags = new ArrayList<>();
        cell.path("metadata").path("tags").forEach(t -> tags.add(t.asText()));
        return tags;
    }

    private static String source(JsonNode cell) {
        return joined(cell.path("source"));
    }

    /** What a cell printed and displayed as text. */
    private static String text(JsonNode cell) {
        StringBuilder s = new StringBuilder();
        cell.path("outputs").forEach(o -> s.append(joined(o.path("text")))
                .append(joined(o.path("data").path("text/plain"))));
        return s.toString();
    }

    /** A notebook's multi-line string: one string, or a list of lines. */
    private static String joined(JsonNode text) {
        if (text.isTextual()) {
            return text.asText();
        }
        StringBuilder s = new StringBuilder();
        text.forEach(line -> s.append(line.asText()));
        return s.toString();
    }
}
