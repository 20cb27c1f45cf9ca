package dev.strata.pipeline.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html opened in headless Chromium (Debian's package; .ci/run installs it): the screenshot holds, in each
 * series colour, as many pixels as the SVG's bars and legend keys of that colour cover, so every chart is drawn,
 * at its size, with nothing fetched; and with many models, every series is labelled and the page fits the window.
 */
class ReportBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("STRATA_CHROMIUM", "/usr/bin/chromium"));

    @TempDir
    Path dir;

    /** Chromium's path, or aborts (fails where STRATA_REQUIRE_BROWSER is set) when it is not installed. */
    private static String chromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            assertTrue(System.getenv("STRATA_REQUIRE_BROWSER") == null,
                    CHROMIUM + " is missing and STRATA_REQUIRE_BROWSER is set (install Debian's chromium package)");
            Assumptions.abort(CHROMIUM + " is not installed (apt-get install chromium); .ci/run installs it");
        }
        return CHROMIUM.toString();
    }

    /** Runs headless Chromium on a page with {@code arguments} before its address; returns its standard output. */
    private String browse(Path page, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + dir.resolve("profile")));
        command.addAll(List.of(arguments));
        command.add(page.toUri().toString());
        Path out = dir.resolve("chromium.out");
        Process chromium = new ProcessBuilder(command).redirectError(dir.resolve("chromium.log").toFile())
                .redirectOutput(out.toFile()).start();
        assertTrue(chromium.waitFor(60, TimeUnit.SECONDS), "chromium did not finish in 60 s");
        assertEquals(0, chromium.exitValue(), Files.readString(dir.resolve("chromium.log")));
        return Files.readString(out);
    }

    @Test
    void chartsAreDrawnInTheBrowser() throws Exception {
        EvalReport report = Reports.sample(Map.of());
        String html = ReportHtml.page("Bars", ReportHtml.accuracyChart(report).svg() + new SvgBarChart("layers",
                List.of("0", "1", "2"), List.of(new SvgBarChart.Series("bi", List.of(0.3, 0.1, 0.2))), null).svg());
        Path page = Files.writeString(dir.resolve("report.html"), html);
        Path shot = dir.resolve("shot.png");
        browse(page, "--window-size=900,2400", "--screenshot=" + shot);
        BufferedImage image = ImageIO.read(shot.toFile());
        assertEquals(900, image.getWidth());
        for (String color : List.of(Palette.color(0), Palette.color(1))) {
            double expected = svgArea(html, color);
            long drawn = pixels(image, Integer.parseInt(color.substring(1), 16));
            assertTrue(expected > 10_000, color + " covers " + expected + " square pixels in the SVG");
            assertTrue(drawn >= 0.95 * expected && drawn <= 1.01 * expected,
                    color + ": " + drawn + " pixels drawn for " + expected + " in the SVG (edges are anti-aliased)");
        }
    }

    /**
     * A report of 12 models with long names, measured by a script in the browser (added to a copy of the page; the
     * report has none): every chart's legend names every one of its series, each entry inside the chart and no two
     * keys of a colour, and the page is no wider than a 1000-pixel window (wide tables scroll inside it).
     */
    @Test
    void everySeriesIsLabelledAndThePageFitsTheWindow() throws Exception {
        EvalReport report = Reports.many(12);
        String html = ReportHtml.html(report);
        String probe = """
                <script>
                const charts = [];
                for (const svg of document.querySelectorAll('svg.chart')) {
                  const box = svg.getBoundingClientRect();
                  const entries = [];
                  for (const t of svg.querySelectorAll('text.entry')) {
                    const b = t.getBoundingClientRect();
                    entries.push({name: t.textContent, inside: b.left >= box.left && b.right <= box.right + 0.5
                        && b.top >= box.top && b.bottom <= box.bottom});
                  }
                  const keys = [...svg.querySelectorAll('.key')].map(k => k.getAttribute('fill') || k.getAttribute('stroke'));
                  charts.push({title: svg.getAttribute('aria-label'), entries, keys});
                }
                const pre = document.createElement('pre');
                pre.id = 'probe';
                pre.textContent = JSON.stringify({scrollWidth: document.documentElement.scrollWidth,
                    innerWidth: window.innerWidth, charts});
                document.body.appendChild(pre);
                </script>""";
        Path page = Files.writeString(dir.resolve("probe.html"), html.replace("</body>", probe + "</body>"));
        String dom = browse(page, "--window-size=1000,1400", "--dump-dom");
        Matcher m = Pattern.compile("<pre id=\"probe\">(.*?)</pre>", Pattern.DOTALL).matcher(dom);
        assertTrue(m.find(), "the probe ran: " + dom.substring(0, Math.min(500, dom.length())));
        JsonNode probed = new ObjectMapper().readTree(m.group(1).replace("&quot;", "\"").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&"));
        assertTrue(probed.get("scrollWidth").asInt() <= probed.get("innerWidth").asInt(), probed.toString());
        List<String> models = report.models().stream().map(EvalReport.ModelResult::model).toList();
        List<String> series = report.models().stream()
                .map(r -> r == report.original() ? "original" : Overview.seriesName(r)).toList();
        assertEquals(13, new HashSet<>(series).size(), "a series per model here: " + series);
        int charts = 0;
        for (JsonNode chart : probed.get("charts")) {
            String title = chart.get("title").asText();
            Set<String> names = new HashSet<>();
            for (JsonNode entry : chart.get("entries")) {
                names.add(entry.get("name").asText());
                assertTrue(entry.get("inside").asBoolean(), title + ": legend entry " + entry + " is cut off");
            }
            boolean perModel = title.startsWith("Accuracy per task");
            Set<String> expected = new HashSet<>(perModel ? models : series);
            assertTrue(names.containsAll(expected), title + ": legend " + names + " misses some of " + expected);
            Set<String> colours = new HashSet<>();
            chart.get("keys").forEach(k -> colours.add(k.asText()));
            assertEquals(chart.get("keys").size(), colours.size(), title + ": a colour is used twice " + chart.get("keys"));
            charts++;
        }
        assertEquals(2, charts, "retained accuracy vs size, accuracy per task");
    }

    /** The area of the SVG rectangles filled with {@code color}. */
    private static double svgArea(String html, String color) {
        Matcher m = Pattern.compile("width=\"([0-9.]+)\" height=\"([0-9.]+)\" fill=\"" + color + "\"").matcher(html);
        double area = 0;
        while (m.find()) {
            area += Double.parseDouble(m.group(1)) * Double.parseDouble(m.group(2));
        }
        return area;
    }

    private static long pixels(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                n += (image.getRGB(x, y) & 0xffffff) == rgb ? 1 : 0;
            }
        }
        return n;
    }
}
