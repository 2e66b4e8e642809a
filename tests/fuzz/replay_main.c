/* replay_main.c - run a fuzz target over files without libFuzzer, so the
 * corpus is a regression suite in every build (also under ASan+UBSan).
 * Usage: replay_NAME FILE_OR_DIR... ; prints "replayed N inputs" (the files
 * run; tests/run.sh checks N against the corpus). A directory with no input
 * is an error: an empty corpus replays nothing and must not look like a pass. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	uint8_t *buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return -1;
	}
	size_t n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: not found\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) != 0)
				return 1;
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d)
			return 1;
		struct dirent *e;
		unsigned in_dir = 0;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
			if (replay_file(p) != 0) {
				closedir(d);
				return 1;
			}
			count++;
			in_dir++;
		}
		closedir(d);
		if (in_dir == 0) {
			fprintf(stderr, "replay: %s: no inputs\n", argv[i]);
			return 1;
		}
	}
	/* a few synthetic inputs too: empty and all-0xFF */
	uint8_t ff[512];
	memset(ff, 0xFF, sizeof ff);
	LLVMFuzzerTestOneInput(ff, 0);
	LLVMFuzzerTestOneInput(ff, sizeof ff);
	printf("replayed %u inputs\n", count);
	return 0;
}
