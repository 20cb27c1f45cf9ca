package dev.strata.pipeline.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the tensor bytes. The whole header is validated against the file
 * size before any tensor memory is allocated; the byte ranges must tile the data section exactly (as the
 * format's reference implementation requires).
 */
public final class Safetensors {
    /** The reference implementation's bound on header size. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final String METADATA_KEY = "__metadata__";
    private static final int CHUNK_ELEMENTS = 1 << 18;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {
    }

    /** One tensor's header entry: byte range relative to the start of the data section. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            return Tensor.elementCount(name, shape);
        }
    }

    /** A validated header. */
    public record Header(Path file, List<Entry> entries, Map<String, String> metadata, long dataStart) {
        public Entry entry(String name) {
            for (Entry e : entries) {
                if (e.name().equals(name)) {
                    return e;
                }
            }
            throw new StrataException(file + ": no tensor '" + name + "'");
        }
    }

    /** Reads every tensor of a file, in header order. */
    public static Map<String, Tensor> read(Path file) {
        Header header = readHeader(file);
        return read(header, header.entries());
    }

    /** Reads the given entries of a validated header. */
    public static Map<String, Tensor> read(Header header, Collection<Entry> entries) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(header.file(), StandardOpenOption.READ)) {
            for (Entry e : entries) {
                out.put(e.name(), readTensor(ch, header, e));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(header.file() + ": cannot read tensors: " + ex.getMessage(), ex);
        }
        return out;
    }

    private static Tensor readTensor(FileChannel ch, Header header, Entry e) throws IOException {
        Tensor t = Tensor.allocate(e.name(), e.dtype(), e.shape());
        long position = header.dataStart() + e.begin();
        if (e.dtype() == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            readFully(ch, t.buffer(), position, header.file());
            return t;
        }
        decodeInto(ch, header, e.dtype(), position, t.floats());
        return t;
    }

    /**
     * Rows [first, first + rows) of a tensor of the file, along its first dimension, as F32: a block of a tensor of
     * any size (an embedding too large for one buffer is read a block of rows at a time).
     */
    public static Tensor readRows(Header header, Entry e, long first, int rows) {
        long[] shape = e.shape();
        if (shape.length == 0 || first < 0 || rows < 0 || first + rows > shape[0]) {
            throw new StrataException(header.file() + ": tensor '" + e.name() + "' of shape " + Arrays.toString(shape)
                    + " has no rows " + first + ".." + (first + rows - 1));
        }
        long rowElements = shape[0] == 0 ? 0 : e.elementCount() / shape[0];
        long[] blockShape = shape.clone();
        blockShape[0] = rows;
        Tensor block = Tensor.allocate(e.name(), e.dtype(), blockShape);
        try (FileChannel ch = FileChannel.open(header.file(), StandardOpenOption.READ)) {
            decodeInto(ch, header, e.dtype(), header.dataStart() + e.begin() + first * rowElements * e.dtype().bytes(),
                    block.floats());
        } catch (IOException ex) {
            throw new UncheckedIOException(header.file() + ": cannot read tensor '" + e.name() + "': "
                    + ex.getMessage(), ex);
        }
        return block;
    }

    /**
     * The rows {@code rows} (in that order, repeats allowed) of a tensor of the file, along its first dimension, as
     * F32 of shape [rows.length, ...]: the embeddings of a batch's tokens, read without the table.
     */
    public static Tensor gatherRows(Header header, Entry e, long[] rows) {
        long[] shape = e.shape();
        long rowElements = shape.length == 0 || shape[0] == 0 ? 0 : e.elementCount() / shape[0];
        long[] outShape = shape.clone();
        outShape[0] = rows.length;
        Tensor out = Tensor.allocate(e.name(), e.dtype(), outShape);
        FloatBuffer dst = out.floats();
        try (FileChannel ch = FileChannel.open(header.file(), StandardOpenOption.READ)) {
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] < 0 || rows[i] >= shape[0]) {
                    throw new StrataException(header.file() + ": tensor '" + e.name() + "' has no row " + rows[i]);
                }
                decodeInto(ch, header, e.dtype(), header.dataStart() + e.begin() + rows[i] * rowElements * e.dtype().bytes(),
                        dst.slice(i * (int) rowElements, (int) rowElements));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(header.file() + ": cannot read tensor '" + e.name() + "': "
                    + ex.getMessage(), ex);
        }
        return out;
    }

    /** A tensor of the file as a stream: its values decoded a chunk at a time as they are read, never held whole. */
    public static TensorStream stream(Header header, Entry e) {
        return new TensorStream(e.name(), e.dtype(), e.shape(), new StoredValues(header, e));
    }

    /** A stored tensor's values from where the last read stopped. */
    private static final class StoredValues implements TensorStream.Values {
        private final Header header;
        private final Entry entry;
        private long position;

        StoredValues(Header header, Entry entry) {
            this.header = header;
            this.entry = entry;
            this.position = header.dataStart() + entry.begin();
        }

        @Override
        public void next(FloatBuffer dst) {
            long left = (header.dataStart() + entry.end() - position) / entry.dtype().bytes();
            FloatBuffer part = dst.slice().limit((int) Math.min(dst.remaining(), left));
            try (FileChannel ch = FileChannel.open(header.file(), StandardOpenOption.READ)) {
                position = decodeInto(ch, header, entry.dtype(), position, part);
            } catch (IOException ex) {
                throw new UncheckedIOException(header.file() + ": cannot read tensor '" + entry.name() + "': "
                        + ex.getMessage(), ex);
            }
            dst.position(dst.position() + part.limit());
        }
    }

    /** Fills {@code dst} with values of type {@code type} stored from {@code position}; returns the next position. */
    private static long decodeInto(FileChannel ch, Header header, DType type, long position, FloatBuffer dst)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_ELEMENTS * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        while (dst.hasRemaining()) {
            int n = Math.min(dst.remaining(), CHUNK_ELEMENTS);
            chunk.clear().limit(n * type.bytes());
            readFully(ch, chunk, position, header.file());
            type.decode(chunk.flip(), dst, n);
            position += (long) n * type.bytes();
        }
        return position;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, Path file) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, position);
            if (n < 0) {
                throw new StrataException(file + ": file is truncated (ended while reading tensor data)");
            }
            position += n;
        }
    }

    /** Reads and validates the header of a safetensors file without reading any tensor data. */
    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new StrataException(file + ": file is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lengthBytes, 0, file);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 0 || headerLength > size - 8) {
                throw new StrataException(file + ": header length " + Long.toUnsignedString(headerLength)
                        + " is out of bounds: the file has " + (size - 8) + " bytes after the length field");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new StrataException(file + ": header length " + headerLength + " is above the "
                        + MAX_HEADER_BYTES + "-byte limit of the format");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBytes, 8, file);
            String json = new String(headerBytes.array(), StandardCharsets.UTF_8);
            return parseHeader(file, json, 8 + headerLength, size - 8 - headerLength);
        } catch (NoSuchFileException ex) {
            throw new StrataException(file + ": file does not exist");
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
    }

    private static Header parseHeader(Path file, String json, long dataStart, long dataLength) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException ex) {
            throw new StrataException(file + ": header is not valid JSON: " + ex.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new StrataException(file + ": header must be a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(parseEntry(file, field.getKey(), field.getValue()));
            }
        }
        checkLayout(file, entries, dataLength);
        return new Header(file, List.copyOf(entries), Map.copyOf(metadata), dataStart);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new StrataException(file + ": __metadata__ must be an object of strings");
        }
        node.fields().forEachRemaining(f -> {
            if (!f.getValue().isTextual()) {
                throw new StrataException(file + ": __metadata__ value '" + f.getKey() + "' must be a string");
            }
            metadata.put(f.getKey(), f.getValue().asText());
        });
    }

    private static Entry parseEntry(Path file, String name, JsonNode node) {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new StrataException(where + " must be an object with dtype, shape and data_offsets");
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new StrataException(where + " has no string 'dtype'");
        }
        DType type = DType.fromSafetensors(dtype.asText(), where);
        long[] shape = longArray(node.get("shape"), -1, where, "shape");
        long[] offsets = longArray(node.get("data_offsets"), 2, where, "data_offsets");
        if (offsets[0] > offsets[1]) {
            throw new StrataException(where + " has data_offsets " + Arrays.toString(offsets) + " that end before they begin");
        }
        Entry e = new Entry(name, type, shape, offsets[0], offsets[1]);
        long needed;
        try {
            needed = Math.multiplyExact(Tensor.elementCount(where, shape), type.bytes());
        } catch (ArithmeticException overflow) {
            throw new StrataException(where + ": shape " + Arrays.toString(shape) + " has more bytes than a long "
                    + "counts");
        }
        if (offsets[1] - offsets[0] != needed) {
            throw new StrataException(where + " has data_offsets " + Arrays.toString(offsets) + " spanning "
                    + (offsets[1] - offsets[0]) + " bytes, but shape " + Arrays.toString(shape) + " of " + type
                    + " needs " + needed);
        }
        return e;
    }

    private static long[] longArray(JsonNode node, int length, String where, String key) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new StrataException(where + " has no valid '" + key + "' (expected an array of "
                    + (length >= 0 ? length + " " : "") + "non-negative integers)");
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
                throw new StrataException(where + " has a bad '" + key + "' value " + v + " (expected a non-negative integer)");
            }
            out[i] = v.asLong();
        }
        return out;
    }

    /** Byte ranges must not overlap, leave no holes, and end exactly at the end of the file. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        Entry previous = null;
        for (Entry e : byOffset) {
            if (e.begin() < expectedBegin) {
                throw new StrataException(file + ": tensor '" + e.name() + "' bytes [" + e.begin() + ", " + e.end()
                        + ") overlap tensor '" + previous.name() + "' bytes [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (e.begin() > expectedBegin) {
                throw new StrataException(file + ": " + (e.begin() - expectedBegin) + " bytes before tensor '" + e.name()
                        + "' belong to no tensor (data_offsets must tile the data section)");
            }
            expectedBegin = e.end();
            previous = e;
        }
        if (expectedBegin > dataLength) {
            throw new StrataException(file + ": file is truncated: tensor '" + previous.name() + "' ends at byte "
                    + expectedBegin + " of the data section, but only " + dataLength + " bytes follow the header");
        }
        if (expectedBegin < dataLength) {
            throw new StrataException(file + ": " + (dataLength - expectedBegin)
                    + " bytes after the last tensor belong to no tensor");
        }
    }

    /**
     * Writes tensors, in the given order, each in its own storage type. The header is padded with spaces to a
     * multiple of 8 bytes so that tensor data is aligned.
     */
    public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) {
        writeStreams(file, tensors.stream().map(TensorStream::of).toList(), metadata);
    }

    /**
     * Writes streamed tensors as {@link #write} writes loaded ones: the header first (every size is known from the
     * shapes), then each tensor's values encoded chunk by chunk, so memory holds one chunk whatever the file's size.
     */
    public static void writeStreams(Path file, List<TensorStream> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorStream t : tensors) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().name());
            Arrays.stream(t.shape()).forEach(e.putArray("shape")::add);
            e.putArray("data_offsets").add(offset).add(offset + t.storedBytes());
            offset += t.storedBytes();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, head.flip());
            FloatBuffer values = ByteBuffer.allocateDirect(CHUNK_ELEMENTS * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_ELEMENTS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorStream t : tensors) {
                for (long left = t.elementCount(); left > 0; ) {
                    int n = (int) Math.min(left, CHUNK_ELEMENTS);
                    values.clear().limit(n);
                    t.next(values);
                    if (values.hasRemaining()) {
                        throw new IllegalStateException(t.name() + ": the stream ended " + left + " values early");
                    }
                    values.flip();
                    chunk.clear();
                    t.dtype().encode(values, chunk, n);
                    writeFully(ch, chunk.flip());
                    left -= n;
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot write: " + ex.getMessage(), ex);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }
}
