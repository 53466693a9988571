package io.dcsldm.core.config;

import java.util.List;

/** Spells config paths the way messages and overrides do: {@code train.lr}, {@code model.scales[1]}. */
final class ConfigKeys {

    private ConfigKeys() {
    }

    static String child(String parent, String name) {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    static String element(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** Path elements are keys ({@code String}) and list indexes ({@code Integer}). */
    static String of(List<Object> path) {
        String key = "";
        for (Object element : path) {
            key = element instanceof Integer index ? element(key, index) : child(key, (String) element);
        }
        return key;
    }
}
