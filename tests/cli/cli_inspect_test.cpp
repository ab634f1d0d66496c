// `bpfload inspect`: needs no privileges, so no kernel guard here.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli_test_util.hpp"

namespace bpfload::test {
namespace {

using nlohmann::json;

struct ExpectedMap {
  const char* object;
  const char* name;
  const char* type;
  unsigned key_size;
  unsigned value_size;
  unsigned max_entries;
  unsigned flags;
  const char* layout;
  const char* pinning;
};

// From bpf_progs/README.md.
const std::vector<ExpectedMap> kMaps = {
    {"legacy_libbpf", "proto_hash", "hash", 4, 8, 64, 1, "libbpf", "none"},
    {"legacy_libbpf", "total_array", "array", 4, 8, 4, 0, "libbpf", "none"},
    {"legacy_libbpf", "scratch_percpu", "percpu_array", 4, 4, 2, 0, "libbpf", "none"},
    {"legacy_libbpf_early", "early_counter", "array", 4, 8, 2, 0, "libbpf", "none"},
    {"legacy_libbpf_early", "early_hash", "hash", 4, 4, 16, 0, "libbpf", "none"},
    {"legacy_samples", "miss_counter", "array", 4, 8, 1, 4, "samples", "none"},
    {"legacy_samples", "inner_template", "array", 4, 8, 1, 0, "samples", "none"},
    {"legacy_samples", "outer_maps", "array_of_maps", 4, 4, 4, 0, "samples", "none"},
    {"legacy_samples_24", "s24_array", "array", 4, 8, 2, 0, "samples", "none"},
    {"legacy_samples_24", "s24_hash", "hash", 4, 8, 8, 1, "samples", "none"},
    {"legacy_iproute2", "iproute2_globals_map", "array", 4, 8, 2, 0, "iproute2", "global_ns"},
    {"legacy_iproute2", "iproute2_obj_hash", "hash", 4, 4, 16, 0, "iproute2", "object_ns"},
    {"legacy_iproute2", "tc_marks", "array", 4, 4, 4, 0, "iproute2", "none"},
    {"legacy_iproute2", "jmp_table", "prog_array", 4, 4, 4, 0, "iproute2", "none"},
    {"legacy_iproute2", "map_inner", "array", 4, 4, 1, 0, "iproute2", "none"},
    {"legacy_iproute2", "map_outer", "array_of_maps", 4, 4, 1, 0, "iproute2", "none"},
    {"btf_maps", "inner_slot0", "array", 4, 4, 2, 0, "btf", "none"},
    {"btf_maps", "outer_array", "array_of_maps", 4, 4, 4, 0, "btf", "none"},
    {"btf_maps", "jump_table", "prog_array", 4, 4, 2, 0, "btf", "none"},
    {"btf_maps", "sized_array", "array", 4, 8, 4, 0, "btf", "none"},
    {"btf_maps", "stats_hash", "hash", 4, 16, 128, 0, "btf", "none"},
    {"btf_maps", "noprealloc_hash", "hash", 4, 8, 32, 1, "btf", "none"},
    {"btf_maps", "btf_pinned_counter", "array", 4, 8, 1, 0, "btf", "by_name"},
    {"btf_maps", "numa_hash", "hash", 4, 4, 8, 4, "btf", "none"},
    {"btf_maps", "marks", "array", 4, 4, 4, 0, "btf", "none"},
    {"mixed_maps", "legacy_counter", "array", 4, 8, 1, 0, "libbpf", "none"},
    {"mixed_maps", "btf_counter", "array", 4, 8, 1, 0, "btf", "none"},
    {"subprog_section", "result_map", "array", 4, 4, 1, 0, "btf", "none"},
    {"subprog_text", "text_results", "array", 4, 4, 2, 0, "btf", "none"},
    {"multi_prog_section", "multi_marks", "array", 4, 4, 4, 0, "btf", "none"},
    {"kprobe_version", "kprobe_hits", "array", 4, 8, 1, 0, "libbpf", "none"},
    {"samples_tail_calls", "jmp_table", "prog_array", 4, 4, 8, 0, "samples", "none"},
    {"samples_tail_calls", "tail_marks", "array", 4, 4, 4, 0, "samples", "none"},
    {"legacy_max_entries_zero", "sized_at_load", "array", 4, 8, 0, 0, "libbpf", "none"},
    {"sample_xdp_legacy", "rxcnt", "percpu_array", 4, 8, 256, 0, "libbpf", "none"},
    {"reject_oob", "first_bytes", "array", 4, 4, 1, 0, "libbpf", "none"},
    {"verify_large", "large_values", "array", 4, 8, 2, 0, "btf", "none"},
};

struct ExpectedProgram {
  const char* object;
  const char* name;
  const char* section;
  const char* type;
};

const std::vector<ExpectedProgram> kPrograms = {
    {"legacy_libbpf", "count_packets", "socket", "socket_filter"},
    {"legacy_libbpf_early", "early_count", "socket", "socket_filter"},
    {"legacy_samples", "xdp_inner_count", "xdp", "xdp"},
    {"legacy_samples_24", "s24_count", "socket", "socket_filter"},
    {"legacy_iproute2", "cls_entry", "classifier", "sched_cls"},
    {"legacy_iproute2", "cls_tail", "1/0", "sched_cls"},
    {"btf_maps", "tail_prog", "socket", "socket_filter"},
    {"btf_maps", "entry_prog", "socket", "socket_filter"},
    {"global_data", "global_data_prog", "socket", "socket_filter"},
    {"mixed_maps", "mixed_count", "socket", "socket_filter"},
    {"subprog_section", "call_in_section", "socket", "socket_filter"},
    {"subprog_text", "call_text", "socket", "socket_filter"},
    {"multi_prog_section", "prog_first", "socket", "socket_filter"},
    {"multi_prog_section", "prog_second", "socket", "socket_filter"},
    {"multi_prog_section", "prog_third", "socket", "socket_filter"},
    {"kprobe_version", "probe_open", "kprobe/do_sys_openat2", "kprobe"},
    {"samples_tail_calls", "tail_zero", "socket/0", "socket_filter"},
    {"samples_tail_calls", "tail_one", "socket/1", "socket_filter"},
    {"samples_tail_calls", "dispatch", "socket", "socket_filter"},
    {"legacy_max_entries_zero", "use_sized_map", "socket", "socket_filter"},
    {"sample_xdp_legacy", "xdp_proto_count", "xdp", "xdp"},
    {"reject_oob", "read_unchecked", "xdp", "xdp"},
    {"verify_large", "many_branches", "socket", "socket_filter"},
};

const std::vector<std::string> kBigEndianTwins = {"legacy_libbpf", "legacy_samples", "legacy_iproute2",
                                                  "btf_maps", "global_data"};

json inspect_json(const std::string& object_file) {
  const CommandResult result = run_bpfload("inspect --json " + quoted(bpf_object(object_file)));
  EXPECT_EQ(result.exit_code, 0) << object_file << ": " << result.err;
  return stdout_json(result);
}

const json* find_named(const json& list, const std::string& name) {
  for (const json& item : list) {
    if (item.value("name", "") == name) return &item;
  }
  return nullptr;
}

TEST(CliInspect, EveryObjectGivesOneJsonDocumentWithTheDocumentedKeys) {
  const std::vector<std::string> objects = all_bpf_objects();
  ASSERT_FALSE(objects.empty());
  for (const std::string& path : objects) {
    const CommandResult result = run_bpfload("inspect --json " + cli_options_for(path) + " " + quoted(path));
    ASSERT_EQ(result.exit_code, 0) << path << ": " << result.err;
    const json doc = stdout_json(result);
    ASSERT_FALSE(doc.is_discarded()) << path << " printed no JSON: " << result.out;
    for (const char* key : {"byte_order", "license", "kern_version", "btf", "maps", "programs", "data_sections"})
      EXPECT_TRUE(doc.contains(key)) << path << " lacks " << key;
    for (const json& map : doc["maps"]) {
      for (const char* key : {"name", "type", "type_id", "key_size", "value_size", "max_entries", "flags", "layout",
                              "pinning", "numa_node", "inner_map", "iproute2_id", "initial_slots"})
        EXPECT_TRUE(map.contains(key)) << path << " map lacks " << key;
    }
    for (const json& program : doc["programs"]) {
      for (const char* key : {"name", "section", "type", "type_id", "insns", "attach_type", "attach_to",
                              "relocations", "relocation_counts", "subprograms"})
        EXPECT_TRUE(program.contains(key)) << path << " program lacks " << key;
      EXPECT_GT(program["insns"].get<int>(), 0) << path;
    }
  }
}

TEST(CliInspect, ShowsWhichExternsAreWeak) {
  const json doc = inspect_json("externs_ksyms.o");
  const json* kfunc = find_named(doc["externs"], "bpfload_no_such_kfunc");
  const json* stext = find_named(doc["externs"], "_stext");
  ASSERT_NE(kfunc, nullptr) << doc.dump();
  ASSERT_NE(stext, nullptr) << doc.dump();
  EXPECT_EQ((*kfunc)["weak"], true);
  EXPECT_EQ((*kfunc)["kind"], "function");
  EXPECT_EQ((*stext)["weak"], false);
  const CommandResult text = run_bpfload("inspect " + quoted(bpf_object("externs_ksyms.o")));
  EXPECT_NE(text.out.find("bpfload_no_such_kfunc (function, weak): used by read_ksyms"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("_stext (variable): used by read_ksyms"), std::string::npos) << text.out;
}

TEST(CliInspect, ReportsTheMapsOfTheReadme) {
  for (const ExpectedMap& expected : kMaps) {
    const json doc = inspect_json(std::string(expected.object) + ".o");
    ASSERT_TRUE(doc.is_object()) << expected.object;
    const json* map = find_named(doc["maps"], expected.name);
    ASSERT_NE(map, nullptr) << expected.object << " has no map " << expected.name;
    EXPECT_EQ((*map)["type"], expected.type) << expected.name;
    EXPECT_EQ((*map)["key_size"], expected.key_size) << expected.name;
    EXPECT_EQ((*map)["value_size"], expected.value_size) << expected.name;
    EXPECT_EQ((*map)["max_entries"], expected.max_entries) << expected.name;
    EXPECT_EQ((*map)["flags"], expected.flags) << expected.name;
    EXPECT_EQ((*map)["layout"], expected.layout) << expected.name;
    EXPECT_EQ((*map)["pinning"], expected.pinning) << expected.name;
  }
}

TEST(CliInspect, ReportsTheProgramsOfTheReadme) {
  for (const ExpectedProgram& expected : kPrograms) {
    const json doc = inspect_json(std::string(expected.object) + ".o");
    ASSERT_TRUE(doc.is_object()) << expected.object;
    const json* program = find_named(doc["programs"], expected.name);
    ASSERT_NE(program, nullptr) << expected.object << " has no program " << expected.name;
    EXPECT_EQ((*program)["section"], expected.section) << expected.name;
    EXPECT_EQ((*program)["type"], expected.type) << expected.name;
  }
}

TEST(CliInspect, ShowsInnerMapsSlotsAndIproute2Ids) {
  const json iproute2 = inspect_json("legacy_iproute2.o");
  const json* outer = find_named(iproute2["maps"], "map_outer");
  ASSERT_NE(outer, nullptr);
  EXPECT_EQ((*outer)["inner_map"], "map_inner");
  ASSERT_EQ((*outer)["initial_slots"].size(), 1u);
  EXPECT_EQ((*outer)["initial_slots"][0]["target"], "map_inner");
  EXPECT_EQ((*outer)["initial_slots"][0]["kind"], "map");
  EXPECT_EQ((*find_named(iproute2["maps"], "map_inner"))["iproute2_id"], 42);
  EXPECT_EQ((*find_named(iproute2["maps"], "jmp_table"))["iproute2_id"], 1);

  const json samples = inspect_json("legacy_samples.o");
  EXPECT_EQ((*find_named(samples["maps"], "outer_maps"))["inner_map"], "inner_template");

  const json tails = inspect_json("samples_tail_calls.o");
  const json& slots = (*find_named(tails["maps"], "jmp_table"))["initial_slots"];
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0], (json{{"index", 0}, {"kind", "program"}, {"target", "tail_zero"}}));
  EXPECT_EQ(slots[1], (json{{"index", 1}, {"kind", "program"}, {"target", "tail_one"}}));
}

TEST(CliInspect, ShowsRelocationsAndSubprograms) {
  const json text = inspect_json("subprog_text.o");
  const json* program = find_named(text["programs"], "call_text");
  ASSERT_NE(program, nullptr);
  EXPECT_EQ((*program)["subprograms"], (json{"global_triple", "static_add_100"}));
  EXPECT_EQ((*program)["relocation_counts"]["call"], 2);
  EXPECT_GE((*program)["relocation_counts"]["map"], 1);
  bool saw_triple = false;
  for (const json& relocation : (*program)["relocations"]) saw_triple |= relocation["symbol"] == "global_triple";
  EXPECT_TRUE(saw_triple);

  const json data = inspect_json("global_data.o");
  const json* global = find_named(data["programs"], "global_data_prog");
  ASSERT_NE(global, nullptr);
  EXPECT_GT((*global)["relocation_counts"]["data"].get<int>(), 0);
}

TEST(CliInspect, ShowsDataSectionsLicenseAndVersion) {
  const json data = inspect_json("global_data.o");
  EXPECT_EQ(data["license"], "GPL");
  const std::vector<std::tuple<std::string, int, bool>> expected = {
      {".data", 16, false}, {".rodata", 4, true}, {".rodata.str1.1", 8, true}, {".bss", 20, false}};
  for (const auto& [name, size, readonly] : expected) {
    const json* section = find_named(data["data_sections"], name);
    ASSERT_NE(section, nullptr) << name;
    EXPECT_EQ((*section)["size"], size) << name;
    EXPECT_EQ((*section)["readonly"], readonly) << name;
  }
  const json kprobe = inspect_json("kprobe_version.o");
  EXPECT_EQ(kprobe["kern_version"], 0x00060100);
  EXPECT_EQ((*find_named(kprobe["programs"], "probe_open"))["attach_to"], "do_sys_openat2");
  EXPECT_EQ(inspect_json("btf_maps.o")["license"], "Dual BSD/GPL");
  EXPECT_EQ(inspect_json("btf_maps.o")["btf"], true);
}

TEST(CliInspect, BigEndianTwinsReportTheSameAsLittleEndian) {
  for (const std::string& name : kBigEndianTwins) {
    json little = inspect_json(name + ".o");
    json big = inspect_json(name + ".bpfeb.o");
    ASSERT_TRUE(little.is_object() && big.is_object()) << name;
    EXPECT_EQ(little["byte_order"], "little") << name;
    EXPECT_EQ(big["byte_order"], "big") << name;
    // Everything but the file name, the byte order and the BTF blob size must agree.
    for (json* doc : {&little, &big}) {
      doc->erase("file");
      doc->erase("byte_order");
      doc->erase("btf_size");
    }
    EXPECT_EQ(little, big) << name << ":\n" << little.dump(1) << "\nvs\n" << big.dump(1);
  }
}

TEST(CliInspect, PlainOutputNamesMapsAndPrograms) {
  const CommandResult result = run_bpfload("inspect " + quoted(bpf_object("legacy_iproute2.o")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("iproute2_globals_map: array key 4 value 8 max_entries 2 flags 0x0 layout iproute2 "
                            "pinning global_ns"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("cls_tail: section \"1/0\" type sched_cls"), std::string::npos) << result.out;
}

TEST(CliInspect, TypeOverrideChangesTheProgramType) {
  const CommandResult result =
      run_bpfload("inspect --json --type socket=sched_cls " + quoted(bpf_object("legacy_libbpf.o")));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json doc = stdout_json(result);
  EXPECT_EQ(doc["programs"][0]["type"], "sched_cls");
  EXPECT_EQ(doc["programs"][0]["type_overridden"], true);
}

TEST(CliInspect, NonElfFileExitsTwoWithAnError) {
  const std::string readme = std::string(BPFLOAD_SOURCE_BPF_PROGS_DIR) + "/README.md";
  const CommandResult plain = run_bpfload("inspect " + quoted(readme));
  EXPECT_EQ(plain.exit_code, 2);
  EXPECT_EQ(plain.err.rfind("bpfload: ", 0), 0u) << plain.err;
  EXPECT_TRUE(plain.out.empty()) << plain.out;

  const CommandResult json_result = run_bpfload("inspect --json " + quoted(readme));
  EXPECT_EQ(json_result.exit_code, 2);
  EXPECT_FALSE(json_result.err.empty());
  const json doc = stdout_json(json_result);
  ASSERT_TRUE(doc.is_object()) << json_result.out;
  ASSERT_TRUE(doc.contains("error"));
  EXPECT_TRUE(doc["error"]["kind"].is_string());
  EXPECT_FALSE(doc["error"]["message"].get<std::string>().empty());
  EXPECT_TRUE(doc["error"].contains("errno"));

  const CommandResult missing = run_bpfload("inspect --json /nonexistent/x.o");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(stdout_json(missing)["error"]["kind"], "io");
}

TEST(CliUsage, BadUsageExitsTwo) {
  for (const char* args : {"", "frobnicate", "inspect", "inspect --no-such-option x.o", "load",
                           "map", "map lookup /sys/fs/bpf/x", "verify --log-level 9 x.o",
                           "inspect --map-layout weird x.o", "load --max-entries nonsense x.o"}) {
    const CommandResult result = run_bpfload(args);
    EXPECT_EQ(result.exit_code, 2) << "bpfload " << args << "\n" << result.out;
    EXPECT_EQ(result.err.rfind("bpfload: ", 0), 0u) << "bpfload " << args << ": " << result.err;
  }
  const CommandResult json_usage = run_bpfload("inspect --json");
  EXPECT_EQ(json_usage.exit_code, 2);
  EXPECT_EQ(stdout_json(json_usage)["error"]["kind"], "usage");
}

TEST(CliUsage, VersionAndHelp) {
  const CommandResult version = run_bpfload("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("bpfload ", 0), 0u) << version.out;

  const CommandResult help = run_bpfload("help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* verb : {"inspect", "load", "map", "verify"})
    EXPECT_NE(help.out.find(verb), std::string::npos) << help.out;

  const CommandResult load_help = run_bpfload("help load");
  EXPECT_EQ(load_help.exit_code, 0);
  EXPECT_NE(load_help.out.find("--pin-dir"), std::string::npos) << load_help.out;

  const CommandResult verb_help = run_bpfload("map update --help");
  EXPECT_EQ(verb_help.exit_code, 0);
  EXPECT_NE(verb_help.out.find("--noexist"), std::string::npos) << verb_help.out;
}

}  // namespace
}  // namespace bpfload::test
