package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.filter2.predicate.Operators.LongColumn;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * The Parquet files of a token-window table (window, offset, tokens), read directly by whoever needs a range of
 * window ids: a Spark task its own share, the driver a few windows. Row-group statistics skip the files and row
 * groups outside the range; ranges are read in chunks, so memory holds one chunk at a time however many windows
 * there are.
 */
public final class WindowFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final LongColumn WINDOW = FilterApi.longColumn("window");

    private final List<String> files;

    private WindowFiles(List<String> files) {
        this.files = List.copyOf(files);
    }

    /** The data files of the table in {@code dir}. */
    public static WindowFiles of(Path dir, Configuration conf) {
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        List<String> files = new ArrayList<>();
        try {
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (f.isFile() && name.endsWith(".parquet") && !name.startsWith(".") && !name.startsWith("_")) {
                    files.add(f.getPath().toString());
                }
            }
        } catch (java.io.FileNotFoundException ex) {
            throw new StrataException(HadoopFiles.display(dir) + ": no token windows (the folder does not exist)");
        } catch (IOException ex) {
            throw HadoopFiles.failure(dir, "list", ex);
        }
        if (files.isEmpty()) {
            throw new StrataException(HadoopFiles.display(dir) + ": no token windows (no Parquet files)");
        }
        files.sort(Comparator.naturalOrder());
        return new WindowFiles(files);
    }

    /** Windows with ids in [from, to), in increasing id order. */
    public List<TokenWindow> read(long from, long to, Configuration conf) {
        List<TokenWindow> out = new ArrayList<>();
        if (from >= to) {
            return out;
        }
        FilterPredicate range = FilterApi.and(FilterApi.gtEq(WINDOW, from), FilterApi.lt(WINDOW, to));
        for (String file : files) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), new Path(file))
                    .withConf(conf).withFilter(FilterCompat.get(range)).build()) {
                for (Group row = reader.read(); row != null; row = reader.read()) {
                    out.add(window(row));
                }
            } catch (IOException | RuntimeException ex) {
                throw new StrataException(file + ": cannot read token windows: " + ex.getMessage(), ex);
            }
        }
        out.sort(Comparator.comparingLong(TokenWindow::id));
        if (out.size() != to - from) {
            throw new StrataException(files.get(0) + " and its sibling files: " + out.size() + " token windows with ids "
                    + from + ".." + (to - 1) + ", expected " + (to - from) + " (the table is incomplete)");
        }
        return out;
    }

    /** Windows with ids in [from, to), streamed in increasing id order, {@code chunk} windows read at a time. */
    public Iterator<TokenWindow> stream(long from, long to, int chunk, Configuration conf) {
        return new Iterator<>() {
            private long next = from;
            private Iterator<TokenWindow> current = List.<TokenWindow>of().iterator();

            @Override
            public boolean hasNext() {
                if (!current.hasNext() && next < to) {
                    long end = Math.min(to, next + chunk);
                    current = read(next, end, conf).iterator();
                    next = end;
                }
                return current.hasNext();
            }

            @Override
            public TokenWindow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    private static TokenWindow window(Group row) {
        Group list = row.getGroup("tokens", 0);
        int n = list.getFieldRepetitionCount("list");
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = list.getGroup("list", i).getInteger("element", 0);
        }
        return new TokenWindow(row.getLong("window", 0), row.getLong("offset", 0), tokens);
    }
}
