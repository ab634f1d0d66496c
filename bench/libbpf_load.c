/* The libbpf side of bench/side-by-side: opens and loads an object the way an agent
 * does (bpf_object__open_file + bpf_object__load), pins nothing, and exits, so it does
 * the same work as `bpfload load` without pins. libbpf 1.x refuses legacy maps, so only
 * BTF objects are given to it. Exit 0 loaded, 1 refused by libbpf or the kernel, 2 usage. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	struct bpf_object *object = bpf_object__open_file(argv[1], NULL);
	if (object == NULL) {
		fprintf(stderr, "libbpf_load: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	int err = bpf_object__load(object);
	if (err != 0)
		fprintf(stderr, "libbpf_load: load %s: %s\n", argv[1], strerror(-err));
	bpf_object__close(object);
	return err == 0 ? 0 : 1;
}
