/** The tutorial's example operations, exactly as it prints them. */
export const tutorial = {
  fetchAllTodos: `query fetchAllTodos {
  todos {
    success
    errors
    todos {
      description
      completed
      id
    }
  }
}`,
  fetchTodo: `query fetchTodo {
  todo(todoId: "1") {
    success
    errors
    todo { id completed description dueDate }
  }
}`,
  newTodo: `mutation newTodo {
  createTodo(description:"Go to the dentist", dueDate:"24-10-2020") {
    success
    errors
    todo {
      id
      completed
      description
    }
  }
}`,
  markDone: `mutation markDone {
  markDone(todoId: "1") {
    success
    errors
    todo { id completed description dueDate }
  }
}`,
  deleteTodo: `mutation {
  deleteTodo(todoId: "1") {
    success
    errors
  }
}`,
  updateDueDate: `mutation updateDueDate {
  updateDueDate(todoId: "2", newDate: "25-10-2020") {
    success
    errors
  }
}`,
};
