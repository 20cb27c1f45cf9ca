package dev.strata.pipeline.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * at its size, with nothing fetched.
 */
class ReportBrowserTest {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("STRATA_CHROMIUM", "/usr/bin/chromium"));

    @TempDir
    Path dir;

    @Test
    void chartsAreDrawnInTheBrowser() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            assertTrue(System.getenv("STRATA_REQUIRE_BROWSER") == null,
                    CHROMIUM + " is missing and STRATA_REQUIRE_BROWSER is set (install Debian's chromium package)");
            Assumptions.abort(CHROMIUM + " is not installed (apt-get install chromium); .ci/run installs it");
        }
        String html = ReportHtml.html(Reports.sample(Map.of("block_influence", List.of(0.3, 0.1, 0.2))));
        Path page = Files.writeString(dir.resolve("report.html"), html);
        Path shot = dir.resolve("shot.png");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + dir.resolve("profile"), "--window-size=900,2400", "--screenshot=" + shot,
                page.toUri().toString()));
        Process chromium = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile()).start();
        assertTrue(chromium.waitFor(60, TimeUnit.SECONDS), "chromium did not finish in 60 s");
        assertEquals(0, chromium.exitValue(), Files.readString(dir.resolve("chromium.log")));
        BufferedImage image = ImageIO.read(shot.toFile());
        assertEquals(900, image.getWidth());
        for (String color : List.of(SvgBarChart.PALETTE.get(0), SvgBarChart.PALETTE.get(1))) {
            double expected = svgArea(html, color);
            long drawn = pixels(image, Integer.parseInt(color.substring(1), 16));
            assertTrue(expected > 10_000, color + " covers " + expected + " square pixels in the SVG");
            assertTrue(drawn >= 0.95 * expected && drawn <= 1.01 * expected,
                    color + ": " + drawn + " pixels drawn for " + expected + " in the SVG (edges are anti-aliased)");
        }
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
