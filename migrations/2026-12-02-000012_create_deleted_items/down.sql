DROP TABLE deleted_items;
